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
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graph.errors import AmbiguousNameError, IngestError, NameNotFoundError
from graph.lookup import NameIndex
from ingest.read import read_table

__all__ = ["ATTENDEE_COLUMNS", "SCHEDULE_HEADERS", "AttendeeList", "read_attendee_list", "read_schedule"]

#: Columns that name an attendee, in the order they are preferred (the first present is used).
ATTENDEE_COLUMNS: tuple[str, ...] = ("id", "编号", "uscc", "统一社会信用代码", "name", "名称", "单位", "单位名称",
                                     "企业名称", "高校名称", "机构名称", "参会单位", "姓名", "专家")

#: Schedule headers accepted (English as ``innonet schedule`` writes them, or Chinese).
SCHEDULE_HEADERS: dict[str, tuple[str, ...]] = {
    "enterprise_id": ("enterprise_id", "企业id", "企业 id", "企业ID", "企业编号"),
    "partner_id": ("partner_id", "对接方编号", "对接方id", "对接方ID", "合作方id", "合作方ID", "对方 id", "对方id",
                   "对方编号"),
    "slot": ("slot", "时段", "场次", "轮次"),
    "score": ("score", "匹配度", "匹配分", "得分"),
    "explanation": ("explanation", "推荐理由", "理由"),
}


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
        Rows that could not be used: ``file, row, text, problem, candidates`` (names and ids to choose from).
    """

    ids: list[str] = field(default_factory=list)
    resolved: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)


def _labels(candidates: Any) -> str:
    return "; ".join(f"{c.name} [{c.id}]" for c in candidates)


def read_attendee_list(path: str | os.PathLike[str], source: Any, kinds: tuple[str, ...] | None = None
                       ) -> AttendeeList:
    """Read a sign-up list and resolve each attendee.

    Parameters
    ----------
    path : path
        Any table file :func:`ingest.read.read_table` reads; every sheet is used.  The attendee column is the
        first of :data:`ATTENDEE_COLUMNS` the sheet has.
    source : GraphStore, nodes DataFrame, networkx graph or graph.lookup.NameIndex
        Where the names are looked up.
    kinds : tuple of str, optional
        Only these node kinds (default: every kind).

    Returns
    -------
    AttendeeList

    Raises
    ------
    IngestError
        The file cannot be read, or no sheet has an attendee column (the message lists the accepted headers).
    """
    shown = os.fspath(path)
    index = source if isinstance(source, NameIndex) else NameIndex.from_source(source)
    resolved: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    columns_seen: list[str] = []
    used = False
    for sheet in read_table(path, known_headers=ATTENDEE_COLUMNS):
        headers: dict[str, Any] = {}
        for column_name in sheet.frame.columns:  # a combined header (主要信息/单位名称) matches by any part
            for part in (str(column_name).strip(), *str(column_name).split("/")):
                headers.setdefault(part.strip(), column_name)
        columns_seen += [str(c) for c in sheet.frame.columns]
        column = next((headers[c] for c in ATTENDEE_COLUMNS if c in headers), None)
        if column is None:
            continue
        used = True
        numbers = sheet.row_numbers or [sheet.header_row + 1 + i for i in range(len(sheet.frame))]
        for number, value in zip(numbers, sheet.frame[column].tolist(), strict=True):
            text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
            if not text:
                continue
            where = {"file": shown, "row": number, "text": text}
            try:
                found = index.resolve(text, kinds=kinds)
            except AmbiguousNameError as exc:
                problems.append({**where, "problem": "多个候选 / several candidates",
                                 "candidates": _labels(exc.candidates)})
                continue
            except NameNotFoundError as exc:
                problems.append({**where, "problem": "找不到 / not found", "candidates": _labels(exc.suggestions)})
                continue
            resolved.append({**where, "id": found.id, "name": found.name, "kind": found.kind,
                             "matched_by": found.matched_by})
    if not used:
        raise IngestError(
            f"{shown!r}: 没有参会单位列 / no attendee column; use one of {', '.join(ATTENDEE_COLUMNS)} "
            f"(the file has {', '.join(dict.fromkeys(columns_seen)) or 'no header'})"
        )
    ids = list(dict.fromkeys(r["id"] for r in resolved))
    return AttendeeList(
        ids=ids,
        resolved=pd.DataFrame(resolved, columns=["file", "row", "text", "id", "name", "kind", "matched_by"]),
        problems=pd.DataFrame(problems, columns=["file", "row", "text", "problem", "candidates"]),
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
