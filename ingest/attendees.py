"""Sign-up lists of a matchmaking event (对接会报名表) and meeting schedules, read as people hand them over.

Both go through the one reader (:func:`ingest.read.read_table`: CSV in any encoding, XLSX/XLS/ET/ODS, HTML saved
as .xls, title rows, totals and notes under the table) and every name through the one resolver
(:mod:`graph.lookup`: short names, 宜兴 for 宜兴市, a typo).  Nothing is guessed silently: a name that fits
several records or none is returned in :attr:`AttendeeList.problems` with the candidates, for the person to
correct (the CLI stops with them; the web page lists them for correction).

>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "报名.csv").write_text("2025年陶瓷对接会报名表\\n单位名称,联系人\\n宜兴精陶科技,张三\\n江南大学,李四\\n",
...                                      encoding="gb18030")
>>> nodes = pd.DataFrame({"id": ["e1", "u1"], "kind": ["Enterprise", "University"],
...                       "name": ["宜兴市精陶科技有限公司", "江南大学"]})
>>> found = read_attendee_list(folder / "报名.csv", nodes)
>>> found.ids, len(found.problems)
(['e1', 'u1'], 0)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graph.errors import AmbiguousNameError, IngestError, NameNotFoundError
from graph.lookup import NameIndex
from ingest.read import read_table

__all__ = [
    "ATTENDEE_COLUMNS",
    "CODE_COLUMNS",
    "ID_COLUMNS",
    "NAME_COLUMNS",
    "NOT_FOUND",
    "SCHEDULE_HEADERS",
    "SEVERAL",
    "AttendeeList",
    "read_attendee_list",
    "read_schedule",
    "resolve_attendees",
]

#: Columns holding a node id (as innonet writes it).  A whole number there is a row number (1..N), never an id.
ID_COLUMNS: tuple[str, ...] = ("id", "编号")
#: Columns holding a 统一社会信用代码: taken before the name when a row has one (a code names one organisation).
CODE_COLUMNS: tuple[str, ...] = ("统一社会信用代码", "社会信用代码", "信用代码", "uscc")
#: Columns naming the attendee, best first.  Matched as the whole header (any case, any part of a two-row
#: header), else as a part of it (参会单位名称, 单位（盖章）).
NAME_COLUMNS: tuple[str, ...] = ("参会单位", "单位名称", "企业名称", "高校名称", "机构名称", "单位", "名称", "学校",
                                 "organisation", "name", "姓名", "专家")
#: Every column that names an attendee (id, code, name), in the order a row's cells are tried.
ATTENDEE_COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *CODE_COLUMNS, *NAME_COLUMNS)
#: Other headers of a sign-up list, so its header row is found under a title.
_OTHER_HEADERS = ("手机", "联系人", "职务", "联系电话", "序号")
_ROW_NUMBER = re.compile(r"^\d{1,6}$")
_MAX_OPTIONS = 10

#: Schedule headers accepted (English as ``innonet schedule`` writes them, or Chinese).
SCHEDULE_HEADERS: dict[str, tuple[str, ...]] = {
    "enterprise_id": ("enterprise_id", "企业id", "企业 id", "企业ID", "企业编号"),
    "partner_id": ("partner_id", "对接方编号", "对接方id", "对接方ID", "合作方id", "合作方ID", "对方 id", "对方id",
                   "对方编号"),
    "slot": ("slot", "时段", "场次", "轮次"),
    "score": ("score", "匹配度", "匹配分", "得分"),
    "explanation": ("explanation", "推荐理由", "理由"),
}

#: The problems a name can have (``problem`` of :attr:`AttendeeList.problems`), in Chinese and English.
SEVERAL = "有多个同名或相近的单位，请选择 / several candidates fit; pick one"
NOT_FOUND = "没有找到，请改正或选择 / not found; correct it or pick one"


@dataclass
class AttendeeList:
    """What a sign-up list resolved to.

    Attributes
    ----------
    ids : list of str
        The attendees' node ids, in file order, without repeats.
    resolved : pandas.DataFrame
        One row per named row: ``file, row, text, id, name, kind, matched_by`` (how each name was matched).
    problems : pandas.DataFrame
        Rows that could not be used: ``file, row, text, problem, candidates, options`` — ``candidates`` the names and
        ids to choose from as one line (``宜兴市华峰电子有限公司 [e2]; …``), ``options`` the same as a tuple of
        ``(id, label)`` pairs (at most 10), for a page that offers them to pick.
    """

    ids: list[str] = field(default_factory=list)
    resolved: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)


_RESOLVED = ["file", "row", "text", "id", "name", "kind", "matched_by"]
_PROBLEMS = ["file", "row", "text", "problem", "candidates", "options"]


def _labels(candidates: Any) -> str:
    return "; ".join(f"{c.name} [{c.id}]" for c in candidates)


def _options(candidates: Any) -> tuple[tuple[str, str], ...]:
    return tuple((c.id, c.label()) for c in list(candidates)[:_MAX_OPTIONS])


def _pick(columns: list[Any], wanted: tuple[str, ...], contains: bool = True) -> Any:
    """The first column of ``wanted`` the sheet has: the whole header or one part of a two-row header (any case),
    else (``contains``) a header that contains the word (参会单位名称, 单位（盖章）); None when there is none."""
    headers: dict[str, Any] = {}
    for column in columns:
        text = str(column).strip()
        for part in (text, *text.split("/")):
            headers.setdefault(part.strip().lower(), column)
    for name in wanted:
        if name.lower() in headers:
            return headers[name.lower()]
    for name in wanted if contains else ():
        for column in columns:
            if name.lower() in str(column).lower():
                return column
    return None


def _cell_text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def resolve_attendees(index: NameIndex, entries: list[tuple[int, str]], kinds: tuple[str, ...] | None = None,
                      file: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Resolve typed names (a sign-up list's cells, or the corrections a person typed) through :mod:`graph.lookup`.

    Parameters
    ----------
    index : graph.lookup.NameIndex
        Where the names are looked up.
    entries : list of (int, str)
        (row number as the user sees it, text) pairs.
    kinds : tuple of str, optional
        Only these node kinds.
    file : str
        The file the entries come from, for the records ("" for typed corrections).

    Returns
    -------
    (list of dict, list of dict)
        The resolved rows (keys of :attr:`AttendeeList.resolved`) and the problems (keys of
        :attr:`AttendeeList.problems`), both in the order of ``entries``.
    """
    resolved: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for number, text in entries:
        where = {"file": file, "row": number, "text": text}
        try:
            found = index.resolve(text, kinds=kinds)
        except AmbiguousNameError as exc:
            problems.append({**where, "problem": SEVERAL, "candidates": _labels(exc.candidates),
                             "options": _options(exc.candidates)})
            continue
        except NameNotFoundError as exc:
            problems.append({**where, "problem": NOT_FOUND, "candidates": _labels(exc.suggestions),
                             "options": _options(exc.suggestions)})
            continue
        resolved.append({**where, "id": found.id, "name": found.name, "kind": found.kind,
                         "matched_by": found.matched_by})
    return resolved, problems


def read_attendee_list(path: str | os.PathLike[str], source: Any, kinds: tuple[str, ...] | None = None,
                       max_rows: int | None = None) -> AttendeeList:
    """Read a sign-up list and resolve each attendee.

    This is the one reader of sign-up lists: ``innonet schedule --attendees`` and the web workbench's 对接会 page
    both call it.

    Parameters
    ----------
    path : path
        Any table file :func:`ingest.read.read_table` reads; every sheet with an attendee column is used.  Of each
        row the first non-blank of these cells is resolved: an id column (:data:`ID_COLUMNS`; a whole number
        there is the list's row number and is passed over), the 统一社会信用代码 column (:data:`CODE_COLUMNS`), the
        name column (:data:`NAME_COLUMNS`).  Columns are matched by the whole header, else by a part of it.
    source : GraphStore, nodes DataFrame, networkx graph or graph.lookup.NameIndex
        Where the names are looked up.
    kinds : tuple of str, optional
        Only these node kinds (default: every kind).
    max_rows : int, optional
        Read at most this many named rows (the web page's bound); None reads them all.

    Returns
    -------
    AttendeeList

    Raises
    ------
    IngestError
        The file cannot be read, or no sheet has an attendee column (the message lists the accepted headers and
        the file's own).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "报名.csv"
    >>> _ = path.write_text("序号,参会单位名称,联系人\\n1,华丰电子,张三\\n", encoding="utf-8")
    >>> nodes = pd.DataFrame({"id": ["e2", "e3"], "kind": "Enterprise",
    ...                       "name": ["宜兴市华峰电子有限公司", "宜兴市华锋电子有限公司"]})
    >>> [problem] = read_attendee_list(path, nodes).problems.to_dict("records")
    >>> problem["row"], [option_id for option_id, _label in problem["options"]]
    (2, ['e2', 'e3'])
    """
    shown = os.fspath(path)
    index = source if isinstance(source, NameIndex) else NameIndex.from_source(source)
    entries: list[tuple[int, str]] = []
    columns_seen: list[str] = []
    used = False
    for sheet in read_table(path, known_headers=(*ATTENDEE_COLUMNS, *_OTHER_HEADERS)):
        columns = list(sheet.frame.columns)
        columns_seen += [str(c) for c in columns]
        picked = [_pick(columns, ID_COLUMNS, contains=False), _pick(columns, CODE_COLUMNS), _pick(columns, NAME_COLUMNS)]
        if not any(c is not None for c in picked):
            continue
        used = True
        numbers = sheet.row_numbers or [sheet.header_row + 1 + i for i in range(len(sheet.frame))]
        cells = [sheet.frame[c].tolist() if c is not None else [None] * len(sheet.frame) for c in picked]
        for number, identifier, code, name in zip(numbers, *cells, strict=True):
            identifier = _cell_text(identifier)
            if _ROW_NUMBER.match(identifier):
                identifier = ""  # 1, 2, 3 … in an 编号 column: the list's own row numbers
            text = identifier or _cell_text(code) or _cell_text(name)
            if text:
                entries.append((number, text))
        if max_rows is not None and len(entries) >= max_rows:
            entries = entries[:max_rows]
            break
    if not used:
        raise IngestError(
            f"{shown!r}: 没有参会单位列 / no attendee column; use one of {', '.join(ATTENDEE_COLUMNS)} "
            f"(the file has {', '.join(dict.fromkeys(columns_seen)) or 'no header'})"
        )
    resolved, problems = resolve_attendees(index, entries, kinds, shown)
    return AttendeeList(
        ids=list(dict.fromkeys(r["id"] for r in resolved)),
        resolved=pd.DataFrame(resolved, columns=_RESOLVED),
        problems=pd.DataFrame(problems, columns=_PROBLEMS),
    )


def read_schedule(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A meeting schedule (any table file) as a frame with ``enterprise_id``, ``partner_id``, ``slot``
    (and ``score`` when given), e.g. the 按时段 sheet ``innonet schedule`` writes.

    Raises
    ------
    IngestError
        Unreadable, or a column is missing (the message names it).
    """
    shown = os.fspath(path)
    known = [alias for aliases in SCHEDULE_HEADERS.values() for alias in aliases]
    for sheet in read_table(path, known_headers=known):
        frame = sheet.frame
        renamed = {}
        for column in frame.columns:
            label = str(column).strip()
            for canonical, aliases in SCHEDULE_HEADERS.items():
                if label in aliases or label.split(" / ")[-1] in aliases or label.split(" / ")[0] in aliases:
                    renamed[column] = canonical
        frame = frame.rename(columns=renamed)
        if {"enterprise_id", "partner_id", "slot"} <= set(frame.columns):
            if "score" in frame:
                frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
            return frame.astype(object).where(frame.notna(), None)
    raise IngestError(f"the schedule {shown!r} lacks the columns enterprise_id, partner_id and slot "
                      "(企业 id / 对方 id / 时段); write it with `innonet schedule`")
