"""The ingest pipeline: files → headers → normalised, validated rows → resolved entities → the store.

:func:`ingest_files` reads every file first (an unreadable one raises
:class:`graph.errors.IngestError` and nothing is written), loads tables in the
order organisations, talents, tiers, participations, relationships, events
(so later tables can name what earlier ones load), and writes in batches at
the end.  Every row ends in exactly one bucket:

written
    the row's own record (or relationship) was created or updated under its own key: its external id,
    its USCC, its 学校标识码, its name-id ``org:<normalised name>`` with the same display name.
merged
    the row was folded into another record: a name (or name variant, aliases kept) of an existing record,
    a second row for a record already loaded by this call, or a review decision ``merge``.
    ``report.merges`` says into which id and by which rule.
rejected
    a required field is missing, a value is invalid (an invalid USCC rejects the row: the USCC is the
    identity of an organisation, and writing the row under its name would create a duplicate of the
    firm the bureau meant), or a name it refers to cannot be resolved.
    An optional field whose value is an error (``#DIV/0!``, ``#N/A`` …) or no plausible date (a 成立日期 of 1949,
    a firm list's 高企 year 1905) does not reject its row: the field is left empty and the *field rejection* is
    reported with its reason (提示 notes sheet, 字段拒绝 / field rejected; and on the terminal).
held_for_review
    an organisation known only by its name whose normalised name is close to, but not the same as, an
    existing record's (rapidfuzz ratio >= 90).  Decide in the review file (``decision`` = merge /
    separate) and pass it back with ``accept_review``.

Re-ingesting the same files gives the same buckets and changes nothing in the store.  When a USCC
appears for a record known by its name-id, the record migrates to the USCC id (relationships re-pointed,
``report.migrations``).  A firm (or event) is LOCATED_IN one town: a row that places it in another town
replaces the relationship, in the store too.  Derived data are recomputed from everything in the store: the Enterprise's
``tier`` / ``tier_year`` (highest rung reached, never lowered by an older row) and COLLABORATES_WITH
(key ``projects``, basis 联合项目) between every enterprise and university on the same project, with the
``year`` of their first joint project and its ``date`` when the project has one (so a monthly report
sees the new collaboration in its month).

>>> import tempfile, pathlib
>>> from graph import SQLiteStore
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "orgs.csv").write_text(
...     "企业名称,统一社会信用代码,所属镇(街道、园区)\\n宜兴华通环保科技有限公司,,高塍镇\\n"
...     "宜兴华通环保科技有限责任公司,,高塍镇\\n", encoding="utf-8")
>>> store = SQLiteStore(":memory:")
>>> report = ingest_files(store, [folder / "orgs.csv"])
>>> {k: report.files[0][k] for k in ("rows_read", "written", "merged")}
{'rows_read': 2, 'written': 1, 'merged': 1}
>>> store.counts()["relationships"]
{'LOCATED_IN': 1}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import itertools
import json
import logging
import math
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from graph.errors import IngestError, SchemaError
from graph.ids import id_key, migrate_talent_ids
from graph.ids import talent_id as keyed_talent_id
from graph.schema import (
    HIGH_TECH_CERTIFICATE_YEARS,
    KINDS,
    RELATIONSHIP_TYPES,
    TIERS,
    check_kind,
    tier_id,
    tier_rank,
)
from graph.store import GraphStore
from ingest.fields import (
    KIND_ALIASES,
    REQUIRED,
    TABLE_ORDER,
    TABLES,
    detect_table,
    field_for_header,
    known_field,
    normalise_header,
)
from ingest.normalise import (
    MAX_YEAR,
    _year_month,
    clean_name,
    clean_text,
    clean_town,
    clear_caches,
    date_note,
    header_unit,
    identity_key,
    is_blank,
    is_city,
    name_key,
    parse_action,
    parse_amount,
    parse_date,
    parse_float,
    parse_int,
    parse_list,
    parse_outcome,
    parse_partial_date,
    parse_percent,
    parse_year,
)
from ingest.read import CellError, FormulaWithoutValue, RawSheet, read_table
from ingest.reasons import bilingual
from ingest.resolve import ORG_KINDS, EntityIndex, external_id, related_names, uscc_check

__all__ = ["COLLABORATION_KEY", "FIELD_REJECTED", "MERGE_RULES", "TOWN_NOT_FOUND", "IngestReport", "ingest_files",
           "load_mapping", "load_review_decisions"]

#: key of the COLLABORATES_WITH relationships derived from joint projects
COLLABORATION_KEY = "projects"

REJECTION_COLUMNS = ["file", "sheet", "row", "field", "value", "reason"]
MERGE_COLUMNS = ["file", "sheet", "row", "name", "merged_into", "rule"]
REVIEW_COLUMNS = ["file", "sheet", "row", "name", "candidate_id", "candidate_name", "score", "decision", "uscc",
                  "candidate_uscc", "reason"]
MIGRATION_COLUMNS = ["old_id", "new_id", "name"]
#: why a row was merged, as the 合并 merged sheet says it (``中文 / english``)
MERGE_RULES = {
    "duplicate": "重复行（本次已读入同一记录） / duplicate",
    "name": "同名（已有记录） / name",
    "name-variant": "名称写法不同（有限公司/有限责任公司等） / name variant",
    "review": "人工审核决定合并 / review decision",
}
SKIPPED_COLUMNS = ["file", "sheet", "row", "reason", "text"]
NOTE_COLUMNS = ["file", "sheet", "row", "field", "value", "note"]
_COUNTS = ("rows_read", "written", "merged", "rejected", "held_for_review")
#: how a field rejection starts in the 提示 notes sheet: the value of one field was refused, the row is kept without it
FIELD_REJECTED = "字段拒绝 / field rejected"
_FORMULA_NOTE = "公式没有计算结果，请在 Excel/WPS 中打开后保存 / formula without a computed value: open and save the file " \
                "in Excel or WPS, then ingest it again"
#: the earliest plausible 成立日期 of each kind (a firm's registration; universities may be older)
_EARLIEST_FOUNDED = {"Enterprise": 1950, "Fund": 1950, "ServiceAgency": 1950}
_EARLIEST_YEAR = 1950  # tiers, programs, projects, events
log = logging.getLogger("innonet.ingest")
_CONTEXT_PREFIX = {"Town": "town", "Industry": "industry", "Platform": "platform", "Department": "department",
                   "Program": "program"}
_WRITE_ORDER = ("Tier", "Town", "Industry", "Program", "Department", "Platform", "Enterprise", "University",
                "Fund", "ServiceAgency", "Talent", "Project", "Event")
_NO = {"否", "无", "no", "n", "false", "0", "未认定", "未入库", "×"}
_YES = {"是", "yes", "y", "true", "√", "✓", "已认定", "已入库"}
_TOWN_SUFFIXES = ("镇", "街道", "园区", "开发区", "高新区", "工业园")
_BRACKET_END = re.compile(r"\([^)]*\)$")


# ---------------------------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------------------------
@dataclass
class IngestReport:
    """What happened to every row.

    Attributes
    ----------
    files : list of dict
        One per sheet read: ``path, sheet, table, rows_read, written, merged, rejected, held_for_review,
        ignored_columns``.
    rejections : pandas.DataFrame
        ``file, sheet, row, field, value, reason`` (``row`` as the user sees it: the header is row 1 of a
        plain file).
    merges : pandas.DataFrame
        ``file, sheet, row, name, merged_into, rule``.
    reviews : pandas.DataFrame
        ``file, sheet, row, name, candidate_id, candidate_name, score, decision`` (``decision`` empty: fill
        in merge / separate and pass the file back with ``accept_review``).
    migrations : pandas.DataFrame
        ``old_id, new_id, name``: records known by name that moved to their USCC.
    skipped : pandas.DataFrame
        ``file, sheet, row, reason, text``: rows under a header that are not data (合计, notes, signatures);
        counted per sheet as ``skipped`` (not in ``rows_read``).
    notes : pandas.DataFrame
        ``file, sheet, row, field, value, note``: how a written row was read where it needs a look (a formula
        without a computed value, an ambiguous month, a percent ≤ 1 among percents > 1, a row-number column), and
        the field rejections: a note starting :data:`FIELD_REJECTED` (字段拒绝 / field rejected) says that one
        optional field's value was refused (an error value such as ``#DIV/0!``, a 成立日期 that is no plausible date)
        and the row was kept without it — the row counts once, as written or merged, so
        ``rows_read = written + merged + rejected + held_for_review`` stays true.
    """

    files: list[dict[str, Any]]
    rejections: pd.DataFrame
    merges: pd.DataFrame
    reviews: pd.DataFrame
    migrations: pd.DataFrame = field(default_factory=lambda: _frame([], MIGRATION_COLUMNS))
    skipped: pd.DataFrame = field(default_factory=lambda: _frame([], SKIPPED_COLUMNS))
    notes: pd.DataFrame = field(default_factory=lambda: _frame([], NOTE_COLUMNS))

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """``{"files": [{"path", "rows_read", "written", "merged", "rejected", "held_for_review"}]}``, one entry
        per file (sheets of a workbook summed), in the order given.  (Rows that are not data are in ``files``
        and :meth:`totals` as ``skipped`` and listed in :attr:`skipped`.)"""
        by_path: dict[str, dict[str, Any]] = {}
        for entry in self.files:
            total = by_path.setdefault(entry["path"], {"path": entry["path"], **{k: 0 for k in _COUNTS}})
            for key in _COUNTS:
                total[key] += int(entry.get(key, 0))
        return {"files": list(by_path.values())}

    def totals(self) -> dict[str, int]:
        """Counts summed over all files."""
        return {k: sum(int(e.get(k, 0)) for e in self.files) for k in _ALL_COUNTS}

    def sheets(self) -> list[tuple[str, pd.DataFrame, dict[str, str]]]:
        """The report's tables as ``(sheet name, frame, Chinese labels)``: 汇总 summary, 拒绝 rejected,
        合并 merged, 待审核 review, 迁移 migrated, 跳过 skipped, 提示 notes.

        Written to ``ingest_report.xlsx`` by the surfaces through the one spreadsheet writer
        (:func:`api.render.export.write_ingest_report`); the library itself writes no file.
        """
        summary = pd.DataFrame(self.files, columns=["path", "sheet", "table", *_ALL_COUNTS, "ignored_columns"])
        summary["ignored_columns"] = summary["ignored_columns"].map(
            lambda v: ", ".join(v) if isinstance(v, list) else v
        )
        return [
            ("汇总 summary", summary, _SUMMARY_ZH),
            ("拒绝 rejected", self.rejections, _DETAIL_ZH),
            ("合并 merged", self.merges, _DETAIL_ZH),
            ("待审核 review", self.reviews, _DETAIL_ZH),
            ("迁移 migrated", self.migrations, _DETAIL_ZH),
            ("跳过 skipped", self.skipped, _DETAIL_ZH),
            ("提示 notes", self.notes, _DETAIL_ZH),
        ]


_ALL_COUNTS = (*_COUNTS, "skipped")
_SUMMARY_ZH = {"path": "文件", "sheet": "工作表", "table": "表类型", "rows_read": "读取行数", "written": "写入",
               "merged": "合并", "rejected": "拒绝", "held_for_review": "待审核", "skipped": "跳过（非数据行）",
               "ignored_columns": "未识别列"}
_DETAIL_ZH = {"file": "文件", "sheet": "工作表", "row": "行号", "field": "字段", "value": "值", "reason": "原因",
              "name": "名称", "merged_into": "并入", "rule": "规则", "candidate_id": "候选 id",
              "candidate_name": "候选名称", "score": "相似度", "decision": "决定 (merge/separate)",
              "old_id": "原 id", "new_id": "新 id", "uscc": "统一社会信用代码", "candidate_uscc": "候选统一社会信用代码",
              "text": "内容", "note": "提示"}


_REVIEW_ZH = {unicodedata.normalize("NFKC", _DETAIL_ZH[c]): c for c in REVIEW_COLUMNS if c in _DETAIL_ZH}
#: the review file's headers as written, so the reader finds its header row
_REVIEW_HEADERS = frozenset([*REVIEW_COLUMNS, *(f"{_DETAIL_ZH[c]} / {c}" for c in REVIEW_COLUMNS if c in _DETAIL_ZH)])


def _frame(records: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns}, columns=columns)


# ---------------------------------------------------------------------------------------------------------
# options: mapping and review decisions
# ---------------------------------------------------------------------------------------------------------
def load_mapping(mapping: str | os.PathLike[str] | dict[str, str] | None) -> dict[str, str]:
    """Read a mapping file: a flat JSON or YAML object ``{"source header": "field"}``.

    A field may be empty or null to ignore the column.  Fields must be fields of some table
    (see :data:`ingest.fields.TABLES`).
    """
    if mapping is None:
        return {}
    if isinstance(mapping, dict):
        data: Any = mapping
        where = "mapping"
    else:
        where = os.fspath(mapping)
        try:
            text = Path(where).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise IngestError(f"cannot read mapping file {where!r}: {exc}") from None
        try:
            if where.lower().endswith((".yaml", ".yml")):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise IngestError(f"mapping file {where!r} is not valid JSON/YAML: {reason}") from None
    if not isinstance(data, dict):
        raise IngestError(f"mapping {where!r} must be a flat object {{\"source header\": \"field\"}}")
    out: dict[str, str] = {}
    for header, target in data.items():
        if target is None or target == "":
            out[str(header)] = ""
            continue
        if not isinstance(target, str) or not known_field(target):
            raise IngestError(
                f"mapping {where!r}: {header!r} → {target!r} is not a known field; "
                "see `innonet schema` and ingest/fields.py for the fields of each table"
            )
        out[str(header)] = target
    return out


_DECISIONS = {"merge": "merge", "合并": "merge", "是": "merge", "yes": "merge", "same": "merge",
              "separate": "separate", "不合并": "separate", "分开": "separate", "新建": "separate",
              "否": "separate", "no": "separate", "different": "separate"}


def load_review_decisions(path: str | os.PathLike[str] | None) -> dict[tuple[str, str], str]:
    """Read a filled review file → ``{(name key, candidate_id): "merge" | "separate"}``.

    The file is the review sheet this pipeline wrote (xlsx or CSV) with the ``decision`` column filled
    (merge / separate; 合并 / 不合并 accepted).  Rows without a decision stay held.
    """
    if path is None:
        return {}
    sheets = read_table(path, known_headers=_REVIEW_HEADERS)
    decisions: dict[tuple[str, str], str] = {}
    for raw in sheets:
        columns = {_review_field(c): c for c in raw.frame.columns}
        needed = ("name", "candidate_id", "decision")
        if not all(n in columns for n in needed):
            raise IngestError(
                f"review file {os.fspath(path)!r} needs columns name, candidate_id and decision; "
                f"it has {', '.join(map(str, raw.frame.columns))}"
            )
        for row in raw.frame.to_dict(orient="records"):
            decision = clean_text(row[columns["decision"]])
            name, candidate = clean_name(row[columns["name"]]), clean_text(row[columns["candidate_id"]])
            if decision is None or name is None or candidate is None:
                continue
            value = _DECISIONS.get(decision.lower())
            if value is None:
                raise IngestError(
                    f"review file {os.fspath(path)!r}: decision {decision!r} for {name!r} is not merge or separate"
                )
            decisions[(name_key(name), candidate)] = value
    return decisions


def _review_field(header: object) -> str:
    """The review column a header names: ``name``, ``名称 / name`` and ``名称`` are all ``name``;
    ``决定 (merge/separate) / decision`` is ``decision``."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    english = text.rsplit("/", 1)[-1].strip().lower()
    if english in REVIEW_COLUMNS:
        return english
    chinese = text.split(" / ")[0].strip()
    return _REVIEW_ZH.get(chinese, text.lower())


# ---------------------------------------------------------------------------------------------------------
# staging
# ---------------------------------------------------------------------------------------------------------
class _Reject(Exception):
    def __init__(self, field_name: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field_name, value, reason


class _Hold(Exception):
    def __init__(self, name: str, candidate: tuple[str, str, float], reason: str = "",
                 uscc: str | None = None, candidate_uscc: str | None = None) -> None:
        super().__init__(name)
        self.name, self.candidate = name, candidate
        self.reason = reason or "名称相近，请确认是否同一单位 / a similar name (fuzzy match): same organisation?"
        self.uscc, self.candidate_uscc = uscc, candidate_uscc


@dataclass
class _Sheet:
    raw: RawSheet
    table: str
    frame: pd.DataFrame
    ignored: list[str]
    units: dict[str, str] = field(default_factory=dict)  # amount field → unit its header names
    headers: dict[str, str] = field(default_factory=dict)  # field → the header it was read from
    column_notes: list[tuple[str, str]] = field(default_factory=list)  # (column, note) of how a column was read
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in _ALL_COUNTS})
    _records: list[dict[str, Any]] | None = None

    @property
    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts field → cell (built once)."""
        if self._records is None:
            columns = list(self.frame.columns)
            self._records = [dict(zip(columns, values)) for values in self.frame.itertuples(index=False, name=None)]
        return self._records

    @property
    def label(self) -> str:
        return os.path.basename(self.raw.path)


#: Fields not compared when a row meets a record that has them: names and aliases are matched (a different
#: name becomes an alias), keywords are unions, tier fields are derived from the tier history.
_NOT_RECONCILED = frozenset({"name", "aliases", "keywords", "tier", "tier_year", "data_source"})
#: ISO 8601 date fields (YYYY, YYYY-MM or YYYY-MM-DD): a prefix of the known value is the same date, less precise.
_DATE_FIELDS = frozenset({"founded", "date"})


def _same_value(old: Any, new: Any) -> bool:
    """Equal as stored: 4000 and 4000.0, "2016" and 2016 are the same value."""
    if old == new:
        return True
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-9)
    return str(old).strip() == str(new).strip()


def _shown(value: Any) -> str:
    """A value as a person reads it in a note: 4000.0 → 4000."""
    return f"{value:g}" if isinstance(value, float) else str(value)


class _Stage:
    """Everything this call will write, and the report being built."""

    def __init__(self, index: EntityIndex, decisions: dict[tuple[str, str], str]) -> None:
        self.index = index
        self.decisions = decisions
        self.nodes: dict[str, tuple[str, dict[str, Any]]] = {}
        self.rels: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.claimed: set[str] = set()
        self.migrations: list[dict[str, str]] = []
        self.tier_touched: set[str] = set()
        self.projects_touched: set[str] = set()
        self.rejections: list[dict[str, Any]] = []
        self.merges: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.id_key = b""
        #: (sheet, row number) of the row being handled, so a merge that changes a field is noted on that row.
        self.cursor: tuple[_Sheet, int] | None = None
        #: field rejections of the row being handled: noted when the row is kept, dropped when it is rejected or held
        self.pending: list[dict[str, Any]] = []
        #: the towns a target may name (built at the first target row), and the (file, sheet, town) already noted
        self.towns: list[str] | None = None
        self.unknown_towns: set[tuple[str, str, str]] = set()
        #: node id → the town it is LOCATED_IN after this call (a firm or an event is in one town)
        self.located: dict[str, str] = {}
        #: fields of the row being handled whose value is flagged as doubtful (0.8 among 65, 70 in a (%) column): it
        #: never replaces a stored value; the fields where the stored value was kept so
        self.doubtful: frozenset[str] = frozenset()
        self.kept_stored: set[str] = set()

    # -- nodes and relationships --------------------------------------------------------------------------
    def node(self, node_id: str, kind: str, props: dict[str, Any]) -> None:
        spec = KINDS[kind].properties
        props = {k: v for k, v in props.items() if k in spec and v is not None}
        previous = self.index.props.get(node_id)
        if previous and self.cursor is not None:
            props = self._reconcile(node_id, previous, props)
        entry = self.nodes.get(node_id)
        if entry is None:
            self.nodes[node_id] = (kind, dict(props))
        else:
            entry[1].update(props)
        self.index.add(node_id, kind, props)

    def _reconcile(self, node_id: str, previous: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """The row's fields for a record that already has values: the row's value is kept (the newer file wins)
        and every changed value is noted with the old one; a date that only makes the known one vaguer
        (``2016-03`` over ``2016-03-08``) keeps the precise one."""
        sheet, row = self.cursor  # type: ignore[misc]
        kept = dict(props)
        for name, new in props.items():
            old = previous.get(name)
            if old is None or name in _NOT_RECONCILED or _same_value(old, new):
                continue
            if name in _DATE_FIELDS and isinstance(old, str) and isinstance(new, str) and old.startswith(new):
                del kept[name]
                continue
            label, was, now = previous.get("name") or node_id, _shown(old), _shown(new)
            if name in self.doubtful:  # a flagged value does not replace a stored one
                del kept[name]
                self.kept_stored.add(name)
                self.note(sheet, row, name, new, f"记录 {label} 原有值为 {was}；本行的 {now} 存疑（占比列中其他值都大于 1），"
                                                 f"保留原值 / the record {label} has {was}; this row's {now} is doubtful "
                                                 "(a value <= 1 among values > 1 in a (%) column): the stored value is kept")
                continue
            self.note(sheet, row, name, new, f"记录 {label} 原有值为 {was}，已改为本行的 {now} / the record {label} "
                                             f"had {was}; this row's {now} replaces it")
        return kept

    def context(self, kind: str, name: str, extra: dict[str, Any] | None = None) -> str:
        node_id = f"{_CONTEXT_PREFIX[kind]}:{name}"
        existing = self.index.kind_of.get(node_id)
        if existing is not None and existing != kind:
            raise _Reject("name", name, f"id {node_id!r} is already a {existing}")
        if node_id not in self.nodes or extra:
            self.node(node_id, kind, {"name": name, **(extra or {})})
        return node_id

    def rel(self, type_: str, source: str, target: str, key: str = "", props: dict[str, Any] | None = None) -> bool:
        """Stage a relationship; True when this call had not staged it yet."""
        ident = (type_, source, target, key)
        staged = self.rels.get(ident)
        new = staged is None
        if staged is None:
            staged = self.rels[ident] = {}
        if props:
            spec = RELATIONSHIP_TYPES[type_].properties
            for name, value in props.items():
                if value is not None and name in spec and name != "source":
                    staged[name] = value
        return new

    def locate(self, node_id: str, town_id: str) -> None:
        """Stage ``node_id`` LOCATED_IN ``town_id``, its one town: a LOCATED_IN to another town staged by an earlier row
        is dropped here, one in the store is replaced when writing (:func:`_relocate`)."""
        previous = self.located.get(node_id)
        if previous is not None and previous != town_id:
            self.rels.pop(("LOCATED_IN", node_id, previous, ""), None)
        self.located[node_id] = town_id
        self.rel("LOCATED_IN", node_id, town_id)

    def current_name(self, node_id: str) -> str | None:
        return self.index.props.get(node_id, {}).get("name")

    def add_alias(self, node_id: str, kind: str, alias: str) -> None:
        props = self.index.props.get(node_id, {})
        if "aliases" not in KINDS[kind].properties or alias == props.get("name"):
            return
        aliases = list(props.get("aliases") or [])
        if alias not in aliases:
            self.node(node_id, kind, {"aliases": sorted({*aliases, alias})})

    def migrate(self, old_id: str, new_id: str, kind: str) -> None:
        """Move a name-id record to its USCC id (staged props, staged relationships, index)."""
        props = dict(self.index.props.get(old_id, {}))
        staged = self.nodes.pop(old_id, None)
        if staged is not None:
            props.update(staged[1])
        self.index.remove(old_id)
        self.node(new_id, kind, props)
        for ident in [i for i in self.rels if old_id in (i[1], i[2])]:
            type_, source, target, key = ident
            rel_props = self.rels.pop(ident)
            self.rels[(type_, new_id if source == old_id else source, new_id if target == old_id else target,
                       key)] = rel_props
        self.tier_touched = {new_id if i == old_id else i for i in self.tier_touched}
        if old_id in self.located:
            self.located.setdefault(new_id, self.located.pop(old_id))
        if old_id in self.claimed:
            self.claimed.add(new_id)
        self.migrations.append({"old_id": old_id, "new_id": new_id, "name": props.get("name")})

    # -- bookkeeping ---------------------------------------------------------------------------------------
    def reject(self, sheet: _Sheet, row: int, exc: _Reject) -> None:
        sheet.counts["rejected"] += 1
        value = exc.value
        if value is not None and not isinstance(value, (str, int, float)):
            value = str(value)
        if isinstance(value, str):
            value = value[:200]
        self.rejections.append({"file": sheet.raw.path, "sheet": sheet.raw.sheet, "row": row,
                                "field": exc.field, "value": value, "reason": bilingual(exc.reason)})

    def reject_field(self, field_name: str, value: Any, reason: str) -> None:
        """Refuse one field's value of the row being handled: the field is left empty, the row goes on; the reason
        (中文 / English) reaches the 提示 notes sheet and the terminal when the row is kept."""
        sheet, row = self.cursor  # type: ignore[misc]
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            value = value.date()
        if isinstance(value, dt.date):
            value = value.isoformat()  # a date cell as it shows: 1900-01-05
        elif isinstance(value, float) and value.is_integer():
            value = int(value)  # 1905, as the cell shows it
        elif value is not None and not isinstance(value, (str, int, float)):
            value = str(value)
        note = f"{FIELD_REJECTED}: {bilingual(reason)}; 该字段留空，该行已导入 / the field is left empty, the row is kept"
        self.pending.append({"file": sheet.raw.path, "sheet": sheet.raw.sheet, "row": row, "field": field_name,
                             "header": sheet.headers.get(field_name, field_name), "value": value, "note": note})

    def pending_note(self, field_name: str, value: Any, note: str) -> None:
        """A note on the row being handled, reported (提示 and the terminal) only when the row is kept."""
        sheet, row = self.cursor  # type: ignore[misc]
        if value is not None and not isinstance(value, (str, int, float)):
            value = str(value)
        self.pending.append({"file": sheet.raw.path, "sheet": sheet.raw.sheet, "row": row, "field": field_name,
                             "header": sheet.headers.get(field_name, field_name), "value": value, "note": note})

    def note(self, sheet: _Sheet, row: int | None, field_name: str, value: Any, note: str) -> None:
        if value is not None and not isinstance(value, (str, int, float)):
            value = str(value)
        self.notes.append({"file": sheet.raw.path, "sheet": sheet.raw.sheet, "row": row, "field": field_name,
                           "value": value, "note": note})

    def merged(self, sheet: _Sheet, row: int, name: Any, into: str, rule: str) -> None:
        sheet.counts["merged"] += 1
        self.merges.append({"file": sheet.raw.path, "sheet": sheet.raw.sheet, "row": row, "name": name,
                            "merged_into": into, "rule": MERGE_RULES.get(rule, rule)})

    def hold(self, sheet: _Sheet, row: int, exc: _Hold) -> None:
        sheet.counts["held_for_review"] += 1
        candidate_id, candidate_name, score = exc.candidate
        self.index.held[name_key(exc.name)] = exc.name
        self.reviews.append({"file": sheet.raw.path, "sheet": sheet.raw.sheet, "row": row, "name": exc.name,
                             "candidate_id": candidate_id, "candidate_name": candidate_name, "score": score,
                             "decision": None, "uscc": exc.uscc, "candidate_uscc": exc.candidate_uscc,
                             "reason": exc.reason})


# ---------------------------------------------------------------------------------------------------------
# field parsing
# ---------------------------------------------------------------------------------------------------------
class _Failed:
    """A parser's error message, memoised like a result."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


#: (parser, type, value) → parsed value or _Failed: the parsers are pure and a column repeats its values
#: (towns, industries, years, tiers), so each distinct cell is parsed once.  Bounded: cleared when full.
_PARSED: dict[tuple[Any, type, Any], Any] = {}
_PARSED_MAX = 500_000
_MISSING = object()


def _get(row: dict[str, Any], name: str, parser: Callable[[Any], Any] = clean_text) -> Any:
    value = row.get(name)
    if value is None:  # every parser maps a missing cell to None
        return None
    cls = value.__class__
    if (cls is str or cls is int or (cls is float and value)):  # -0.0 == 0.0 and NaN != NaN: not memoised
        key = (parser, cls, value)
        result = _PARSED.get(key, _MISSING)
        if result is _MISSING:
            try:
                result = parser(value)
            except (ValueError, TypeError, OverflowError) as exc:
                result = _Failed(str(exc))
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = result
    else:
        try:
            result = parser(value)
        except (ValueError, TypeError, OverflowError) as exc:
            result = _Failed(str(exc))
    if result.__class__ is _Failed:
        raise _Reject(name, value, result.message)
    if result.__class__ is list:  # a parsed list is the row's own: callers may keep or extend it
        return list(result)
    return result


@cache
def _founded_from(earliest: int) -> Callable[[Any], str | None]:
    """``parse_partial_date`` for a 成立日期 plausible from ``earliest``: as precise as the cell (``2019``,
    ``2023-05``, ``2023-05-17``); one object per year, so results are memoised."""
    return partial(parse_partial_date, earliest=earliest)


_parse_year_plausible = partial(parse_year, earliest=_EARLIEST_YEAR)


@cache
def _amount_in(unit: str) -> Callable[[Any], float | None]:
    """``parse_amount`` with the unit of a column's header (one object per unit, so results are memoised)."""
    return partial(parse_amount, unit=unit)


def _required(row: dict[str, Any], name: str, parser: Callable[[Any], Any] = clean_text) -> Any:
    value = _get(row, name, parser)
    if value is None:
        raise _Reject(name, row.get(name), f"{name} is required and missing")
    return value


_BARE_YEAR = re.compile(r"\d{4}(\.0+)?\s*(年度?)?")  # 2023, 2023年度, 2023.0 (a CSV written by pandas)
_MONTH_ONLY = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*月?")


def parse_when(value: Any) -> str | None:
    """The date a record happened, as precise as the cell is: ``YYYY-MM-DD``, ``YYYY-MM`` for a month without
    a day (2023年5月, 2023-05, 2023.5), None for a bare year (a year is not January: the ``year`` column says it).

    >>> parse_when("2023年5月"), parse_when("2023-05-17"), parse_when(2023), parse_when("2023年度")
    ('2023-05', '2023-05-17', None, None)
    """
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer() \
            and 1900 <= value <= 2100:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip() if isinstance(value, str) else None
    if text is not None:
        if _BARE_YEAR.fullmatch(text):
            return None
        month = _MONTH_ONLY.fullmatch(text)
        if month and 1 <= int(month.group(2)) <= 12:
            return f"{int(month.group(1))}-{int(month.group(2)):02d}"
    elif isinstance(value, float) and 1000 <= value < 10000:  # 2023.5 typed into Excel: a number
        year, month, ambiguous = _year_month(value, value)
        return None if ambiguous else f"{year}-{month:02d}"  # 2019.1: January or October? the year only
    if isinstance(value, dt.date) or hasattr(value, "to_pydatetime"):  # a date cell; 1905-07-15 holds the year 2023
        partial = parse_partial_date(value, earliest=_EARLIEST_YEAR)
        return None if partial is None or len(partial) == 4 else partial
    return parse_date(value)


def _year_or_date(stage: _Stage, row: dict[str, Any], year_field: str = "year", date_field: str = "date"
                  ) -> tuple[int | None, str | None]:
    """(year, date) of a row: the year column, else the year the date cell says (``2024.1``, what Excel keeps of
    2024.10 typed as a number: the year 2024, the month ambiguous and noted); the date column, else the month a year
    column carries (``2022.12`` in 认定年份 is December 2022)."""
    date = _get(row, date_field, parse_when)
    year = _get(row, year_field, _parse_year_plausible)
    if year is None and not is_blank(row.get(date_field)):
        year = _get(row, date_field, _parse_year_plausible)
    if date is None and year is not None and not is_blank(row.get(year_field)):
        date = _get(row, year_field, parse_when)
    if stage.cursor is not None:
        sheet, number = stage.cursor
        for column in (year_field, date_field):
            _date_note(stage, sheet, number, column, row.get(column), _EARLIEST_YEAR)
    return year, date


def _non_negative(value: float | None, name: str) -> None:
    if value is not None and value < 0:
        raise _Reject(name, value, f"{name} {value} is negative")


_ORG_PARSERS: dict[str, Callable[[Any], Any]] = {
    "founded": parse_partial_date, "revenue": parse_amount, "rd_spend": parse_amount, "size": parse_amount,
    "hightech_revenue_share": parse_percent, "employees": parse_int, "st_staff": parse_int,
    "patents": parse_int, "invention_patents": parse_int, "keywords": parse_list, "focus": parse_list,
    "service_types": parse_list, "aliases": parse_list, "year": parse_year,
}
_ORG_TEXT = ("category", "country", "city", "province", "level", "manager", "fund_type", "platform_type", "chain",
             "town_type")
_TIER_COLUMNS = (("tech_sme_year", "科技型中小企业"), ("hte_year", "高新技术企业"), ("srdi", "专精特新"),
                 ("quasi_unicorn_year", "准独角兽"), ("listed_year", "科技上市企业"))


def _kind_of_row(row: dict[str, Any], default: str | None, name: str) -> str:
    raw = row.get("kind")
    text = clean_text(raw)
    if text is not None:
        kind = KIND_ALIASES.get(text.lower()) or (text if text in KINDS else None)
        if kind is None or kind == "Talent":
            raise _Reject("kind", raw, f"kind {raw!r} is not one of 企业/高校/科研院所/基金/服务机构/平台/部门 "
                                       "(Enterprise, University, Fund, ServiceAgency, Platform, Department, …)")
        return kind
    if default is not None:
        return default
    if name.endswith(("大学", "学院", "研究所", "研究院", "科学院", "实验室")) and "公司" not in name:
        return "University"
    return "Enterprise"


def _town(stage: _Stage, row: dict[str, Any]) -> str | None:
    """The row's town (:func:`ingest.normalise.clean_town`); the city itself in the town column (宜兴市, 江苏省宜兴市)
    is no town: the row is kept without one (no LOCATED_IN, no Town 宜兴市) and the cell is noted."""
    raw = row.get("town")
    if raw is not None and is_city(raw):
        stage.pending_note("town", clean_name(raw), f"“{clean_name(raw)}”是全市，不是镇街，该行不设镇街 / {clean_name(raw)} is "
                                        "the whole city, not a town: no town for this row")
        return None
    return _get(row, "town", clean_town)


def _tier_rows(stage: _Stage, row: dict[str, Any]) -> list[dict[str, Any]]:
    """REACHED_TIER data from the convenience tier columns of an organisations row.  A year outside the plausible
    range (1905: a 高企 certificate before there were any) or a value that is no year (45000, a number in no date
    cell) is a field rejection: the firm is kept without that tier."""
    out = []
    for column, tier in _TIER_COLUMNS:
        if column == "srdi" and is_blank(row.get("srdi")) and not is_blank(row.get("srdi_year")):
            column = "srdi_year"  # 专精特新认定时间 alone: the year of the tier
        if column not in row or is_blank(row[column]):
            continue
        raw = row[column]
        text = clean_text(raw) or ""
        if text.lower() in _NO:
            continue
        level = None
        year = date = None
        try:
            year = _parse_year_plausible(raw)
            date = parse_when(raw)  # 2022.12 in 高新技术企业认定年份: the year names the column, the month is kept too
        except ValueError as exc:
            if column != "srdi" or re.fullmatch(r"\d{4}", text) or "plausible" in str(exc):
                # 1949, 45000 (a number, no date cell), 明年: the firm is kept without that tier
                reason = str(exc) if "plausible" in str(exc) else f"{_shown(raw)} is not a year ({exc})"
                stage.reject_field(column, raw, f"{reason}; write the year the tier was reached")
                continue
            level = text
        if column == "srdi" and year is None:
            year = _get(row, "srdi_year", _parse_year_plausible)
            date = _get(row, "srdi_year", parse_when)
            if level and level.lower() in _YES:
                level = None
        elif column == "srdi":
            level = None
        if year is None:
            raise _Reject(column, raw, f"{tier} needs the year it was reached (e.g. 2021)")
        try:
            _tier_year_plausible(tier, year, raw if column != "srdi" or level is None else row.get("srdi_year"))
        except ValueError as exc:
            stage.reject_field(column, raw, f"{exc}; write the year the tier was reached")
            continue
        certificate = _get(row, "hte_certificate") if column == "hte_year" else None
        out.append({"tier": tier, "year": year, "date": date, "level": level, "certificate": certificate})
    return out


# ---------------------------------------------------------------------------------------------------------
# table handlers: each takes one row, stages it and returns ("written", None) or ("merged", (into, rule))
# ---------------------------------------------------------------------------------------------------------
def _organisation(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int,
                  default_kind: str | None) -> tuple[str, Any]:
    name = _required(row, "name", clean_name)
    kind = _kind_of_row(row, default_kind, name)
    if kind == "Town":  # a town's canonical name is Simplified: 丁蜀鎮 is the town 丁蜀镇
        name = clean_town(name) or name
    spec = KINDS[kind].properties
    props: dict[str, Any] = {"name": name, "data_source": sheet.label}
    for column in row:
        if column in sheet.units:
            props[column] = _get(row, column, _amount_in(sheet.units[column]))
        elif column == "founded":
            earliest = _EARLIEST_FOUNDED.get(kind, 1800)
            try:
                props[column] = _get(row, column, _founded_from(earliest))
            except _Reject as exc:
                if not _implausible_date(exc.value, exc.reason):
                    raise  # text that is no date at all (明年): the row is rejected, as before
                stage.reject_field(column, exc.value, exc.reason)  # 1949, 45000, a date cell showing 1900-01-05
                continue
            _date_note(stage, sheet, number, column, row.get(column), earliest)
        elif column in _ORG_PARSERS:
            props[column] = _get(row, column, _ORG_PARSERS[column])
        elif column in _ORG_TEXT:
            props[column] = _get(row, column)
    for column in ("revenue", "rd_spend", "size", "employees", "st_staff", "patents", "invention_patents"):
        _non_negative(props.get(column), column)
    town = _town(stage, row)
    industry = _get(row, "industry", clean_name)
    props["town"], props["industry"] = town, industry
    if kind == "University" and props.get("category") is None:
        word = clean_text(row.get("kind")) or ""
        props["category"] = "科研院所" if ("院所" in word or "研究" in word or "institute" in word.lower()
                                          or name.endswith(("研究所", "研究院", "科学院", "实验室"))) else "高校"
    code = None
    raw_uscc = row.get("uscc")
    if raw_uscc is not None and not is_blank(raw_uscc):
        code, error = uscc_check(raw_uscc)
        if error is not None:
            raise _Reject("uscc", raw_uscc, error)
        if "uscc" not in spec:
            raise _Reject("uscc", raw_uscc, f"a {kind} has no USCC; remove it or fix the kind")
        props["uscc"] = code
    moe = None
    if not is_blank(row.get("moe_code")):
        moe = (clean_text(row["moe_code"]) or "").replace(" ", "")
        if not (moe.isdigit() and len(moe) == 10):
            raise _Reject("moe_code", row["moe_code"], f"学校标识码 {row['moe_code']!r} must have 10 digits")
        props["moe_code"] = moe
    tiers = _tier_rows(stage, row) if kind == "Enterprise" else []
    if kind == "Enterprise":
        for column in (*(c for c, _ in _TIER_COLUMNS), "srdi_year"):
            _date_note(stage, sheet, number, column, row.get(column), _EARLIEST_YEAR)
    external = _get(row, "id")
    merged_rule = None

    if external is not None:
        node_id, rule = external_id(sheet.label, external), "id"
    elif code is not None:
        node_id, rule = stage.index.by_uscc.get(code, code), "uscc"
    elif moe is not None and "moe_code" in spec:
        node_id, rule = stage.index.by_moe.get(moe, f"moe:{moe}"), "moe"
    elif kind in _CONTEXT_PREFIX:
        node_id, rule = f"{_CONTEXT_PREFIX[kind]}:{name}", "name"
    else:
        node_id, rule = _by_name(stage, name, kind)
        if rule in ("name", "name-variant", "review"):
            merged_rule = rule

    if code is not None:
        node_id, rule, decided = _check_identifiers(stage, name, code, node_id, rule)
        if decided:
            merged_rule = "review"
            if stage.index.props.get(node_id, {}).get("uscc") not in (None, code):
                props.pop("uscc", None)  # merged by decision: the record keeps its own USCC
    existing = stage.index.kind_of.get(node_id)
    if existing is not None and existing != kind:
        raise _Reject("kind", row.get("kind") or kind,
                      f"id {node_id!r} is already a {existing} in the store; it cannot also be a {kind}")
    if rule == "uscc" and node_id == code:  # a record known by name-id gets its USCC: migrate it
        for old in stage.index.by_name(name, (kind,)):
            if old.startswith("org:") and not stage.index.props.get(old, {}).get("uscc"):
                stage.migrate(old, code, kind)
    if node_id in stage.claimed and merged_rule is None:
        merged_rule = "duplicate"
    stage.claimed.add(node_id)

    if merged_rule is not None:
        props.pop("name")
        props.pop("data_source")
        stage.node(node_id, kind, props)
        stage.add_alias(node_id, kind, name)
    else:
        previous = stage.current_name(node_id)
        stage.node(node_id, kind, props)
        if previous and previous != name:
            stage.add_alias(node_id, kind, previous)
    if town and "LOCATED_IN" in RELATIONSHIP_TYPES and kind in RELATIONSHIP_TYPES["LOCATED_IN"].sources:
        stage.locate(node_id, stage.context("Town", town))
    if industry and kind in RELATIONSHIP_TYPES["IN_INDUSTRY"].sources:
        stage.rel("IN_INDUSTRY", node_id, stage.context("Industry", industry))
    for tier in tiers:
        _stage_tier(stage, node_id, tier)
    if merged_rule is not None:
        return "merged", (node_id, merged_rule, name)
    return "written", None


def _check_identifiers(stage: _Stage, name: str, code: str, node_id: str, rule: str) -> tuple[str, str, bool]:
    """Hold a row whose identifiers disagree with a record's (same id and another USCC; same USCC and an unrelated
    name); a review decision ``merge`` merges it, ``separate`` writes it under its USCC or rejects it.

    Returns ``(node_id, rule, merged by decision)``."""
    index = stage.index
    holder = index.by_uscc.get(code)
    conflict = None
    if rule == "id":
        other = index.props.get(node_id, {}).get("uscc")
        if other and other != code:
            conflict = (node_id, "同一编号、不同统一社会信用代码 / the same id with another USCC: two records disagree")
        elif holder is not None and holder != node_id:
            conflict = (holder, "统一社会信用代码已属于另一编号的记录 / the USCC belongs to a record with another id")
    if conflict is None and holder is not None and not related_names(name, index.props.get(holder, {})):
        conflict = (holder, "同一统一社会信用代码、名称无关 / the same USCC with an unrelated name: two records disagree")
    if conflict is None:
        return node_id, rule, False
    candidate, reason = conflict
    candidate_props = index.props.get(candidate, {})
    decision = stage.decisions.get((name_key(name), candidate))
    if decision == "merge":
        return candidate, rule, True
    if decision == "separate":
        if rule == "id" and holder is None:
            return code, "uscc", False
        raise _Reject("uscc", code, "统一社会信用代码已属于另一单位（审核决定：不合并），请核对文件中的代码 / one USCC "
                                    "identifies one organisation (review decided: separate); correct the USCC in the file")
    raise _Hold(name, (candidate, str(candidate_props.get("name", candidate)), 0.0), reason,
                uscc=code, candidate_uscc=candidate_props.get("uscc"))


def _date_note(stage: _Stage, sheet: _Sheet, number: int, column: str, value: Any, earliest: int) -> None:
    if value.__class__ is float or value.__class__ is str or isinstance(value, dt.date):
        note = date_note(value, earliest)
        if note is None:
            pass
        elif stage.cursor == (sheet, number):  # reported only if the row is kept (a refused row says why instead)
            stage.pending_note(column, value, note)
        else:
            stage.note(sheet, number, column, value, note)


def _implausible_date(value: Any, reason: str) -> bool:
    """True when a 成立日期 was refused as no plausible date (a year outside the field's range, a number or a date
    cell that is no date for it) rather than as text that is no date at all: issue 13 item 4, a field rejection."""
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return True
    return "plausible" in reason


def _by_name(stage: _Stage, name: str, kind: str) -> tuple[str, str]:
    """Resolve an organisation known only by its name → (id, rule)."""
    ids = stage.index.by_name(name, (kind,))
    if len(ids) > 1:
        props = stage.index.props
        exact = [i for i in ids if name == props[i].get("name") or name in (props[i].get("aliases") or [])]
        ids = exact if len(exact) == 1 else ids
    if len(ids) > 1:
        raise _Reject("name", name, f"{name!r} matches several {kind} records ({', '.join(ids[:4])}); add the USCC")
    own = f"org:{identity_key(name)}"
    if ids:
        node_id = ids[0]
        if node_id == own and stage.current_name(node_id) in (name, None):
            return node_id, "own"
        return node_id, "name" if node_id != own else "name-variant"
    candidate = stage.index.fuzzy(name, kind)
    if candidate is not None:
        decision = stage.decisions.get((name_key(name), candidate[0]))
        if decision == "merge":
            return candidate[0], "review"
        if decision != "separate":
            raise _Hold(name, candidate)
    if not name_key(name):
        raise _Reject("name", name, f"name {name!r} has nothing left to identify it after normalisation")
    return own, "own"


@lru_cache(maxsize=1024)
def _canonical_tier(text: str) -> tuple[str, int]:
    """(canonical tier name, rank) of a tier's name or alias; SchemaError when it is none."""
    rank = tier_rank(text)
    return TIERS[rank - 1], rank


#: the first year each tier could be reached: 科技型中小企业 evaluation began in 2017, 高企 recognition in 1991,
#: 专精特新 in 2011, the province's 准独角兽 lists in 2015, the stock exchanges opened in 1990.  A date cell showing
#: 1905-06-06 holds the number 1984 (:func:`ingest.normalise.parse_date` reads a date before 1910 as the year
#: typed into it): no 科技型中小企业 then, so it is refused, not stored.
_TIER_SINCE = {"科技型中小企业": 2017, "高新技术企业": 1991, "专精特新": 2011, "准独角兽": 2015, "科技上市企业": 1990}


def _tier_year_plausible(tier: str, year: int, raw: Any) -> None:
    """ValueError when ``year`` is before the tier existed (:data:`_TIER_SINCE`), naming the cell as it shows."""
    canonical = _canonical_tier(tier)[0]
    since = _TIER_SINCE.get(canonical)
    if since is None or year >= since:
        return
    if hasattr(raw, "to_pydatetime"):
        raw = raw.to_pydatetime()
    if isinstance(raw, dt.date):
        shown = f"the date-formatted cell showing {raw:%Y-%m-%d}"
        if raw.year < 1910:
            shown += f" (it holds the number {year}, read as a year)"
    else:
        shown = _shown(raw)
    raise ValueError(f"year {year} in {shown} is outside {since}-{MAX_YEAR}, not plausible here: there was no "
                     f"{canonical} before {since}")


def _stage_tier(stage: _Stage, enterprise_id: str, tier: dict[str, Any]) -> bool:
    canonical, rank = _canonical_tier(tier["tier"])
    target = tier_id(canonical)
    if target not in stage.nodes:
        stage.node(target, "Tier", {"name": canonical, "rank": rank})
    valid_until = tier.get("valid_until")
    if canonical == "高新技术企业" and valid_until is None:
        valid_until = tier["year"] + HIGH_TECH_CERTIFICATE_YEARS
    stage.tier_touched.add(enterprise_id)
    return stage.rel("REACHED_TIER", enterprise_id, target, str(tier["year"]),
                     {"year": tier["year"], "date": tier.get("date"), "level": tier.get("level"),
                      "certificate": tier.get("certificate"),
                      "valid_until": valid_until})


def _resolve(stage: _Stage, row: dict[str, Any], column: str, kinds: Iterable[str], uscc_column: str | None = None
             ) -> str:
    uscc = row.get(uscc_column) if uscc_column else None
    if uscc is not None and is_blank(uscc):
        uscc = None
    if uscc is not None:
        error = uscc_check(uscc)[1]
        if error is not None:
            raise _Reject(uscc_column or "", uscc, error)
    value = row.get(column)
    blank = value is None or is_blank(value)
    if blank and uscc is None:
        raise _Reject(column, None, f"{column} is required and missing")
    node_id, reason = stage.index.lookup(value, kinds, uscc=uscc)
    if node_id is None:
        raise _Reject(column, uscc if blank else value, f"{column} {reason}")
    return node_id


def _talent(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int, default_kind: str | None
            ) -> tuple[str, Any]:
    name = _required(row, "name", clean_name)
    affiliation = _get(row, "affiliation", clean_name)
    programs = _get(row, "programs", parse_list) or []
    program_year, program_date = _year_or_date(stage, row, "program_year", "program_date")
    secondment_year, secondment_date = _year_or_date(stage, row, "secondment_year", "secondment_date")
    props = {"name": name, "affiliation": affiliation, "field": _get(row, "field"), "title": _get(row, "title"),
             "keywords": _get(row, "keywords", parse_list), "programs": programs or None,
             "email": _get(row, "email"), "phone": _get(row, "phone"), "data_source": sheet.label}
    seconded = None
    target_text = _get(row, "seconded_to", clean_name)
    if target_text is not None:
        node_id, reason = stage.index.lookup(target_text, ("Enterprise", "Town"))
        if node_id is None:
            town_name = clean_town(target_text) or target_text
            if town_name.endswith(_TOWN_SUFFIXES):
                node_id = stage.context("Town", town_name)
            else:
                raise _Reject("seconded_to", target_text, f"seconded_to {reason}")
        role = _get(row, "secondment_role") or (
            "科技镇长团" if stage.index.kind_of.get(node_id) == "Town" else "科技副总")
        seconded = (node_id, role)
    affiliation_id = None
    if affiliation is not None:
        affiliation_id, _ = stage.index.lookup(affiliation, ORG_KINDS)
    external = _get(row, "id")
    talent_id = (external_id(sheet.label, external) if external is not None
                 else keyed_talent_id(stage.id_key, identity_key(name), identity_key(affiliation or "")))
    existing = stage.index.kind_of.get(talent_id)
    if existing is not None and existing != "Talent":
        raise _Reject("id", external, f"id {talent_id!r} is already a {existing}")
    duplicate = talent_id in stage.claimed
    stage.claimed.add(talent_id)
    if duplicate:
        stored = list(stage.index.props.get(talent_id, {}).get("programs") or [])
        props["programs"] = sorted({*stored, *programs}) or None
    stage.node(talent_id, "Talent", props)
    if affiliation_id is not None:
        stage.rel("AFFILIATED_WITH", talent_id, affiliation_id)
    for program in programs:
        program_id = stage.context("Program", program)
        stage.rel("IN_PROGRAM", talent_id, program_id, "", {"year": program_year, "date": program_date})
    if seconded is not None:
        stage.rel("SECONDED_TO", talent_id, seconded[0], "", {"role": seconded[1], "year": secondment_year,
                                                               "date": secondment_date})
    if duplicate:
        return "merged", (talent_id, "duplicate", name)
    return "written", None


def _tier(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int, default_kind: str | None
          ) -> tuple[str, Any]:
    tier_text = _required(row, "tier")
    try:
        _canonical_tier(tier_text)
    except SchemaError as exc:
        raise _Reject("tier", tier_text, str(exc)) from None
    year, date = _year_or_date(stage, row)
    if year is None:
        raise _Reject("year", None, "认定年份缺失 / year is required and missing (认定年份 or 认定日期)")
    shown = row.get("year") if not is_blank(row.get("year")) else row.get("date")
    try:
        _tier_year_plausible(tier_text, year, shown)
    except ValueError as exc:  # the row's own date: the row is refused (a tier needs its year)
        value = shown.to_pydatetime() if hasattr(shown, "to_pydatetime") else shown
        value = value.date().isoformat() if isinstance(value, dt.datetime) else value
        raise _Reject("year" if shown is row.get("year") else "date", value, str(exc)) from None
    enterprise_id = _resolve(stage, row, "organisation", ("Enterprise",), "organisation_uscc")
    new = _stage_tier(stage, enterprise_id, {
        "tier": tier_text, "year": year, "level": _get(row, "level"), "certificate": _get(row, "certificate"),
        "valid_until": _get(row, "valid_until", parse_year), "date": date})
    if not new:
        return "merged", (enterprise_id, "duplicate", clean_text(row.get("organisation")))
    return "written", None


def _participation(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int, default_kind: str | None
                   ) -> tuple[str, Any]:
    project = _required(row, "project_id")
    year, date = _year_or_date(stage, row)
    if year is None:
        raise _Reject("year", None, "year is required and missing (立项年份 or 立项日期)")
    budget = _get(row, "budget", _amount_in(sheet.units.get("budget", "万元")))
    _non_negative(budget, "budget")
    org_id = _resolve(stage, row, "organisation", ORG_KINDS, "organisation_uscc")
    project_id = f"project:{project}"
    existing = stage.index.kind_of.get(project_id)
    if existing is not None and existing != "Project":
        raise _Reject("project_id", project, f"id {project_id!r} is already a {existing}")
    stored = stage.index.props.get(project_id, {})
    stored_year = stored.get("year")
    props = {"name": _get(row, "project_name", clean_name) or stored.get("name") or project,
             "program": _get(row, "program"), "level": _get(row, "project_level"), "budget": budget,
             "year": min(year, stored_year) if isinstance(stored_year, int) else year, "data_source": sheet.label}
    if date is not None and (not isinstance(stored_year, int) or year <= stored_year):
        props["date"] = date
    if stored.get("name") and _get(row, "project_name", clean_name) is None:
        props.pop("name")
    stage.node(project_id, "Project", props)
    stage.projects_touched.add(project_id)
    new = stage.rel("PARTICIPATES_IN", org_id, project_id, "", {"role": _get(row, "role"), "year": year,
                                                                 "date": date})
    if not new:
        return "merged", (org_id, "duplicate", clean_text(row.get("organisation")))
    return "written", None


_REL_TYPES = {**{t.lower(): t for t in RELATIONSHIP_TYPES}, **{r.label_zh: t for t, r in RELATIONSHIP_TYPES.items()}}
_REL_PARSERS: dict[str, Callable[[Any], Any]] = {"amount": parse_amount, "weight": parse_float, "year": parse_year,
                                                 "last_year": parse_year, "end_year": parse_year,
                                                 "valid_until": parse_year, "date": parse_when}


def _relationship(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int, default_kind: str | None
                  ) -> tuple[str, Any]:
    type_text = _required(row, "type")
    type_ = _REL_TYPES.get(type_text.lower()) or _REL_TYPES.get(type_text)
    if type_ is None:
        raise _Reject("type", type_text, f"relationship type {type_text!r} is not in the schema; use one of "
                                         f"{', '.join(RELATIONSHIP_TYPES)} (or its Chinese label)")
    spec = RELATIONSHIP_TYPES[type_]
    source = _resolve(stage, row, "source", spec.sources)
    target = _resolve(stage, row, "target", spec.targets)
    props = {}
    for column in row:
        if column in ("source", "target", "type", "key"):
            continue
        if column in sheet.units:
            props[column] = _get(row, column, _amount_in(sheet.units[column]))
        elif column in spec.properties:
            props[column] = _get(row, column, _REL_PARSERS.get(column, clean_text))
    _non_negative(props.get("amount"), "amount")
    if props.get("year") is None and props.get("date"):
        props["year"] = int(props["date"][:4])
    key = _get(row, "key") or ""
    if type_ == "REACHED_TIER":
        raise _Reject("type", type_text, "load tiers with the tiers table (organisation, tier, year)")
    if not stage.rel(type_, source, target, key, props):
        return "merged", (source, "duplicate", clean_text(row.get("source")))
    return "written", None


def _event(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int, default_kind: str | None
           ) -> tuple[str, Any]:
    event = _required(row, "event_id")
    year, date = _year_or_date(stage, row)
    town = _town(stage, row)
    attendee = _resolve(stage, row, "organisation", (*ORG_KINDS, "Talent"), "organisation_uscc")
    outcome = _get(row, "outcome", parse_outcome)
    partner = None
    if not is_blank(row.get("partner")):
        partner = _resolve(stage, row, "partner", ("University", "Talent"))
        if stage.index.kind_of.get(attendee) != "Enterprise":
            raise _Reject("organisation", row.get("organisation"),
                          "a meeting (对接单位) needs an enterprise as the attendee")
    elif outcome is not None:
        raise _Reject("partner", None, "an outcome (对接结果) needs the partner it was reached with (对接单位)")
    event_id = f"event:{event}"
    existing = stage.index.kind_of.get(event_id)
    if existing is not None and existing != "Event":
        raise _Reject("event_id", event, f"id {event_id!r} is already a {existing}")
    stored = stage.index.props.get(event_id, {})
    name = _get(row, "event_name", clean_name)
    stage.node(event_id, "Event", {"name": name or stored.get("name") or event, "date": date, "year": year,
                                   "event_type": _get(row, "event_type"), "town": town, "data_source": sheet.label})
    new = stage.rel("ATTENDED", attendee, event_id)
    if town:
        stage.locate(event_id, stage.context("Town", town))
    if partner is not None:
        new = stage.rel("ATTENDED", partner, event_id) or new
        new = stage.rel("MET", attendee, partner, event, {"event": event_id, "outcome": outcome or "none",
                                                           "year": year, "date": date}) or new
    if not new:
        return "merged", (attendee, "duplicate", clean_text(row.get("organisation")))
    return "written", None


_CITY_WORDS = ("全市", "合计", "总计", "宜兴市", "全市合计", "市本级", "city", "all")
_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIOD_TEXT = re.compile(r"(20\d\d)\s*(?:年|年度)?\s*(?:[-/ ]?\s*(?:第?\s*([1-4一二三四])\s*季度?|[Qq]([1-4])))?")


def _target_period(row: dict[str, Any], sheet: _Sheet, part: str | int | None = None, header: str = "") -> str:
    """``2025`` or ``2025-Q3`` from the row's 年度 / 季度 (时段, 期间: 全年, 上半年, 1-9月, 三季度 — :func:`_year_part`),
    else from the column's header (2025年目标), the sheet name, the file name or the title above the table
    (2025年度目标任务分解表); ``part`` (a column's 全年 / 一季度) overrides the 季度."""
    text = clean_text(row.get("period")) if not is_blank(row.get("period")) else None
    named: str | int | None = None  # the part of the year the row's 季度 / 时段 cell names
    raw_quarter = row.get("quarter")
    if not is_blank(raw_quarter):
        try:
            named = _year_part(raw_quarter, cell=True)
        except ValueError as exc:
            raise _Reject("quarter", raw_quarter, f"{exc}; write 全年, 上半年, 1-9月 or 第三季度") from None
        if named is None:
            written = clean_text(raw_quarter) or ""
            if text is None and _PERIOD_TEXT.search(unicodedata.normalize("NFKC", written)):
                text = written  # 期间 2025-Q3: the period itself
            else:
                raise _Reject("quarter", raw_quarter, f"{_shown(raw_quarter)!r} is not a part of the year; write 全年, "
                                                      "上半年, 1-9月 or 第三季度")
    if text is None:
        target_headers = [c for c in row if c.startswith("target:")]
        for where in (header, *target_headers, sheet.raw.sheet, os.path.basename(sheet.raw.path), sheet.raw.title):
            if re.search(r"20\d\d", where or ""):
                text = where
                break
    if text is None:
        raise _Reject("period", None, "the target's year is missing: add a 年度 column (2025 or 2025-Q3) "
                                      "or name the sheet after the year (2025年度目标任务分解表)")
    match = _PERIOD_TEXT.search(unicodedata.normalize("NFKC", str(text)))
    if match is None:
        raise _Reject("period", text, f"{text!r} is not a year or quarter; write 2025 or 2025-Q3")
    quarter = match.group(2) or match.group(3)
    if named is not None:
        return match.group(1) + ("" if named == "year" else f"-Q{named}")
    if part is not None:
        return match.group(1) + ("" if part == "year" else f"-Q{part}")
    return match.group(1) + (f"-Q{_QUARTER_WORDS[quarter]}" if quarter else "")


#: 1-9月, 1至9月, 1~9月份, 截至9月末, 9月底 (a range must start in January)
_MONTHS = re.compile(r"(?:(\d{1,2})月?[-~～至到—–]|截至|截止)(\d{1,2})月(?:份|末|底)?")
_MONTH_END = re.compile(r"(?:截至|截止)?()(\d{1,2})月(?:末|底)")
_PART_QUARTER = re.compile(r"(?:前|第)?([1-4一二三四])季度?(?:末|累计)?|[Qq]([1-4])")


def _year_part(value: Any, cell: bool = False) -> str | int | None:
    """The part of the year a header's last part or a 季度 / 时段 cell names, counted from January (the quarter
    targets are cumulative to the quarter's end): ``"year"`` for 全年 / 年度 / 1-12月, 2 for 上半年 / 1-6月 / 二季度,
    3 for 1-9月 / 前三季度 / 三季度 / 第3季度 / Q3 (and a bare 3 in a cell); None when it names no part.

    >>> [_year_part(w) for w in ("全年", "上半年", "1-6月", "1-9月", "前三季度", "三季度", "Q3", "第3季度", "目标值")]
    ['year', 2, 2, 3, 3, 3, 3, 3, None]

    Raises
    ------
    ValueError
        A part that is not counted from January or ends in no quarter: 下半年, 4-6月, 1-5月.
    """
    if cell and isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) in (1, 2, 3, 4):
        return int(value)
    word = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    word = re.sub(r"(目标|任务|目标值)$", "", word) or word
    if word in ("全年", "年度", "全年度", "年"):
        return "year"
    if word in ("上半年", "半年", "年中"):
        return 2
    if word == "下半年":
        raise ValueError("下半年 is not counted from January (the targets are cumulative to the quarter's end)")
    quarter = _PART_QUARTER.fullmatch(word) or (re.fullmatch(r"([1-4])", word) if cell else None)
    if quarter:
        return _QUARTER_WORDS[next(g for g in quarter.groups() if g)]
    months = _MONTHS.fullmatch(word) or _MONTH_END.fullmatch(word)
    if months:
        first, end = int(months.group(1) or 1), int(months.group(2))
        if first != 1:
            raise ValueError(f"{word} is not counted from January (the targets are cumulative to the quarter's end)")
        if end not in _MONTHS_TO_PART:
            raise ValueError(f"{word} ends in no quarter (3, 6, 9 or 12月)")
        return _MONTHS_TO_PART[end]
    return None


def _target_unit(header: str) -> str | None:
    """The unit a target's header names in brackets: 目标值(家) → 家, 基金投资金额(亿元) → 亿元."""
    match = re.search(r"\((家|户|个|项|件|人|人次|次|场|%|亿元|万元|千元|百万元|元)\)",
                      unicodedata.normalize("NFKC", str(header)))
    return match.group(1) if match else None


_MONTHS_TO_PART = {3: 1, 6: 2, 9: 3, 12: "year"}


def _period_part(header: str) -> tuple[str, str | int | None]:
    """A header split into its base and its part of the year (:func:`_year_part`): ``("新认定高企(家)", 3)`` for
    ``新认定高企(家)/三季度``; ``"year"`` for 全年; None when the header names no part.

    >>> _period_part("2025年目标/第一季度"), _period_part("指标/全年"), _period_part("目标值")
    (('2025年目标', 1), ('指标', 'year'), ('目标值', None))
    """
    base, _, last = header.strip().rpartition("/")
    if not base:
        return header.strip(), None
    try:
        part = _year_part(last)
    except ValueError:
        part = None
    return (base, part) if part is not None else (header.strip(), None)


def _cumulative_quarters(values: list[tuple[str, float, str | int | None, str | None]]
                         ) -> list[tuple[str, float, str | int | None, str | None]]:
    """Quarter targets as the module reads them: cumulative to the quarter's end (累计到季末).

    A row may give them per quarter instead (一季度 1, 二季度 1, 三季度 1, 四季度 1 under 全年 4): when an
    indicator's quarter targets fall somewhere (not cumulative) or all four sum to its 全年 target while the
    fourth is not the 全年 target, they are increments and are summed up to each quarter.

    >>> [v for _, v, _, _ in _cumulative_quarters([("a", 4.0, "year", None)] + [("a", 1.0, q, None) for q in range(1, 5)])]
    [4.0, 1.0, 2.0, 3.0, 4.0]
    >>> [v for _, v, _, _ in _cumulative_quarters([("a", 4.0, "year", None)] + [("a", v, q, None) for q, v in
    ...                                            zip(range(1, 5), (0.0, 1.0, 3.0, 4.0))])]
    [4.0, 0.0, 1.0, 3.0, 4.0]
    """
    out = list(values)
    by_indicator: dict[str, list[int]] = defaultdict(list)
    for position, (indicator, _value, part, _unit) in enumerate(values):
        if isinstance(part, int):
            by_indicator[indicator].append(position)
    for indicator, positions in by_indicator.items():
        positions.sort(key=lambda p: values[p][2])  # type: ignore[arg-type, return-value]
        quarters = [values[p][1] for p in positions]
        year = next((v for i, v, part, _ in values if i == indicator and part == "year"), None)
        rising = all(a <= b for a, b in itertools.pairwise(quarters))
        parts = [values[p][2] for p in positions]
        complete = parts == [1, 2, 3, 4]
        cumulative = rising and not (complete and year is not None and math.isclose(sum(quarters), year)
                                     and not math.isclose(quarters[-1], year))
        if cumulative or not complete:
            continue
        total = 0.0
        for position in positions:
            total += values[position][1]
            name, _value, part, unit = values[position]
            out[position] = (name, total, part, unit)
    return out


def _city_totals(raw: RawSheet, renames: dict[str, str]) -> RawSheet:
    """A targets sheet's 合计 row is the city's target (全市), unless the sheet has a 全市 row of its own."""
    if not raw.totals:
        return raw
    place = next((c for c, f in renames.items() if f == "place"), None)
    indicator = next((c for c, f in renames.items() if f == "indicator"), None)
    if place is not None and raw.frame[place].map(lambda v: clean_name(v) in _CITY_WORDS if not is_blank(v)
                                                  else False).any():
        return raw
    rows, numbers = [], []
    uncomputed: set[int] = set()
    for number, cells in raw.totals:
        if indicator is not None and is_blank(cells.get(indicator)):
            continue  # a long table's grand total over every indicator: no target
        values = [cells.get(c) for c, f in renames.items() if f == "target" or f.startswith(("target:", "indicator:"))]
        if not any(_usable_target(v) for v in values):  # =SUM(C5:C12) never computed: a total, no city target
            uncomputed.add(number)
            continue
        rows.append({**{c: cells.get(c) for c in raw.frame.columns}, **({place: "全市"} if place else {})})
        numbers.append(number)
    if uncomputed:
        reason = ("合计行（公式没有计算结果，不作为全市目标）/ total row (formulas without a computed value: not read as "
                  "the city's target)")
        raw = dataclasses.replace(raw, skipped=[dataclasses.replace(s, reason=reason) if s.row in uncomputed else s
                                                for s in raw.skipped])
    if not rows:
        return raw
    added = pd.DataFrame(rows, columns=raw.frame.columns, dtype=object)
    return dataclasses.replace(
        raw, frame=pd.concat([raw.frame, added], ignore_index=True), row_numbers=[*raw.row_numbers, *numbers],
        skipped=[s for s in raw.skipped if s.row not in numbers], totals=[])


def _usable_target(value: Any) -> bool:
    """A target cell that holds something to read: not blank, no formula without a value, no error value."""
    return not is_blank(value) and value.__class__ not in (FormulaWithoutValue, CellError)


def _target(stage: _Stage, sheet: _Sheet, row: dict[str, Any], number: int, default_kind: str | None
            ) -> tuple[str, Any]:
    place = _get(row, "place", clean_town) or "全市"  # a town's canonical name is Simplified: 和橋鎮 is 和桥镇
    place = "全市" if place in _CITY_WORDS else place
    # (indicator, cell, the column's part of the year: None = as the row or sheet says, "year" or a quarter 1-4,
    #  the unit the header names)
    cells: list[tuple[str, Any, str | int | None, str | None]] = []
    if "indicator" in row:  # long layout: one row per place and indicator, one or more target columns
        indicator = _required(row, "indicator")
        if not is_blank(row.get("target")):
            cells.append((indicator, row.get("target"), None, sheet.units.get("target") or _target_unit(indicator)))
        for column, value in row.items():
            if column.startswith("target:") and not is_blank(value):
                cells.append((indicator, value, _period_part(column)[1],
                              _target_unit(column) or _target_unit(indicator)))
        if not cells:
            raise _Reject("target", None, f"the target for {indicator!r} is missing")
    else:  # wide layout: one column per indicator (and part of the year); a blank cell is no target
        for column, value in row.items():
            if column.startswith("indicator:") and not is_blank(value):
                base, part = _period_part(column.removeprefix("indicator:"))
                cells.append((base, value, part, _target_unit(base)))
    values = []
    for indicator, raw, part, unit in cells:
        if raw.__class__ is FormulaWithoutValue:  # a 合计 row read as the city's, one cell never computed
            stage.pending_note("target", f"={raw.formula}", _FORMULA_NOTE)
            continue
        if raw.__class__ is CellError:
            stage.reject_field("target", str(raw), f"the target for {indicator!r} holds the error value {raw} "
                                                   "(a formula that failed); correct it in the workbook")
            continue
        try:  # a money target in 亿元 / 元 is kept in 万元, the unit of the indicators
            value = parse_amount(raw, unit=unit) if header_unit(f"({unit})") else parse_float(raw)
            unit = "万元" if header_unit(f"({unit})") else unit
        except (TypeError, ValueError):
            shown = repr(raw) if isinstance(raw, str) else _shown(raw)
            raise _Reject("target", raw, f"target {shown} for {indicator!r} is not a number") from None
        if value is None:
            raise _Reject("target", raw, f"the target for {indicator!r} is missing")
        values.append((indicator, value, part, unit))
    written = 0
    try:
        action = _get(row, "action", parse_action)
    except _Reject as exc:  # the action is a label: the targets are written without it
        stage.reject_field("action", row.get("action"), exc.reason)
        action = None
    for indicator, value, part, unit in _cumulative_quarters(values):
        period = _target_period(row, sheet, part, indicator)
        target_id = f"target:{place}:{period}:{indicator}"
        stage.node(target_id, "Target", {"name": f"{place} {period} {indicator}", "town": place, "period": period,
                                         "indicator": indicator, "action": action, "value": value,
                                         "unit": _get(row, "unit") or unit, "data_source": sheet.label})
        if place != "全市" and _known_town(stage, sheet, number, place):
            stage.context("Town", place)
        written += 1
    if not written:
        raise _Reject("target", None, "the row holds no target value")
    return "written", None


#: how the note on a target for a town the store does not know starts (提示 notes sheet and terminal)
TOWN_NOT_FOUND = "镇街不在已有数据中 / town not found in the store"


def _known_town(stage: _Stage, sheet: _Sheet, number: int, place: str) -> bool:
    """True when ``place`` is a town of the store (or of this call's other tables); otherwise the target is kept, no
    town is created for it, and the first row of each unknown town in a sheet is noted with the closest known name
    (高城镇 → 高塍镇)."""
    if stage.towns is None:
        stage.towns = sorted({str(stage.index.props.get(i, {}).get("name") or i.split(":", 1)[-1])
                              for i, kind in stage.index.kind_of.items() if kind == "Town"})
    if place in stage.towns:
        return True
    key = (sheet.raw.path, sheet.raw.sheet, place)
    if key not in stage.unknown_towns:
        stage.unknown_towns.add(key)
        best = process.extractOne(place, stage.towns, scorer=fuzz.ratio, score_cutoff=50) if stage.towns else None
        closest = f"最接近 / closest: {best[0]}; " if best else ""
        known = ", ".join(stage.towns) if stage.towns else "无 / none (load the firm lists first)"
        stage.note(sheet, number, "place", place, f"{TOWN_NOT_FOUND}: {place}（目标已写入，未新建镇街 / the target is "
                                                  f"written, no town is created); {closest}已有镇街 / known towns: {known}")
        stage.notes[-1].update(closest=best[0] if best else None, known=known)  # for the terminal line (_tell)
    return False


_HANDLERS = {"organisations": _organisation, "talents": _talent, "tiers": _tier, "participations": _participation,
             "relationships": _relationship, "events": _event, "targets": _target}


# ---------------------------------------------------------------------------------------------------------
# derived data
# ---------------------------------------------------------------------------------------------------------
def _derive_tiers(stage: _Stage, store: GraphStore) -> None:
    if not stage.tier_touched:
        return
    best: dict[str, tuple[int, int]] = {}
    stored = store.relationships("REACHED_TIER")
    records = [(s, t, p.get("year")) for (ty, s, t, _k), p in stage.rels.items() if ty == "REACHED_TIER"]
    if len(stored):
        records += list(zip(stored["source"], stored["target"], stored.get("year", [None] * len(stored))))
    for source, target, year in records:
        if source not in stage.tier_touched or not isinstance(year, int):
            continue
        rank = TIERS.index(target.split(":", 1)[1]) + 1 if target.split(":", 1)[1] in TIERS else 0
        current = best.get(source)
        if current is None or rank > current[0] or (rank == current[0] and year < current[1]):
            best[source] = (rank, year)
    for enterprise_id, (rank, year) in best.items():
        stage.node(enterprise_id, "Enterprise", {"tier": TIERS[rank - 1], "tier_year": year})


def _derive_collaborations(stage: _Stage, store: GraphStore) -> None:
    if not stage.projects_touched:
        return
    members: dict[str, dict[str, int]] = defaultdict(dict)  # project → org → year
    stored = store.relationships("PARTICIPATES_IN")
    if len(stored):
        years = stored["year"] if "year" in stored else [None] * len(stored)
        for source, target, year in zip(stored["source"], stored["target"], years):
            members[target][source] = year
    for (type_, source, target, _key), props in stage.rels.items():
        if type_ == "PARTICIPATES_IN":
            members[target][source] = props.get("year", members[target].get(source))
    kind_of = stage.index.kind_of
    projects_of: dict[str, set[str]] = defaultdict(set)
    for project, orgs in members.items():
        for org in orgs:
            projects_of[org].add(project)
    pairs: set[tuple[str, str]] = set()
    for project in stage.projects_touched:
        orgs = members.get(project, {})
        firms = [o for o in orgs if kind_of.get(o) == "Enterprise"]
        universities = [o for o in orgs if kind_of.get(o) == "University"]
        pairs.update((f, u) for f in firms for u in universities)
    for firm, university in pairs:
        joint = projects_of[firm] & projects_of[university]
        starts: list[tuple[int, str]] = []  # (year, the project's date when it falls in that year, else "")
        for project in joint:
            pair_years = [y for y in (members[project].get(firm), members[project].get(university))
                          if isinstance(y, int)]
            if pair_years:
                year = max(pair_years)
                date = stage.index.props.get(project, {}).get("date")
                dated = isinstance(date, str) and date[:4] == str(year)
                starts.append((year, date if dated else ""))
        # the first joint project; a dated one before a year-only one of the same year (known by that month)
        first = min(starts, key=lambda s: (s[0], s[1] or "9999")) if starts else (None, "")
        stage.rel("COLLABORATES_WITH", firm, university, COLLABORATION_KEY, {
            "year": first[0], "date": first[1] or None, "last_year": max(s[0] for s in starts) if starts else None,
            "weight": float(len(joint)), "basis": "联合项目"})


# ---------------------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------------------
def _unchanged(stored: dict[str, Any], props: dict[str, Any]) -> bool:
    """True when every staged property is stored with the same value and type (merge semantics: then the
    write would be a no-op)."""
    missing = _MISSING
    for name, value in props.items():
        old = stored.get(name, missing)
        if old.__class__ is not value.__class__ or old != value:
            return False
    return True


def _neighbour_rows(store: GraphStore, node_id: str, new_id: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(type, relationship row)`` of every relationship of ``node_id`` as stored, with ``node_id`` replaced by
    ``new_id`` (a migration) or kept."""
    new_id = new_id or node_id
    for record in store.neighbours(node_id).to_dict(orient="records"):
        other = record.pop("id")
        type_, direction, key = record.pop("type"), record.pop("direction"), record.pop("key")
        for drop in ("kind", "name"):
            record.pop(drop, None)
        props = {k: v for k, v in record.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
        if other == node_id:
            other = new_id
        source, target = (new_id, other) if direction == "out" else (other, new_id)
        yield type_, {**props, "source": source, "target": target, "key": key}


def _stale_location(stage: _Stage, type_: str, row: dict[str, Any]) -> bool:
    """True for a stored LOCATED_IN of a node this call places in another town."""
    if type_ != "LOCATED_IN":
        return False
    town = stage.located.get(row["source"])
    return town is not None and row["target"] != town


def _relocate(stage: _Stage, store: GraphStore, stored_ids: set[str]) -> int:
    """Delete the stored LOCATED_IN of the nodes this call places in another town (a firm that moved from 徐舍镇 to
    杨巷镇 is in 杨巷镇 only); the node and its other relationships stay.  Returns the number deleted."""
    if not stage.located:
        return 0
    located = store.relationships("LOCATED_IN")
    if not len(located):
        return 0
    stale = [(source, target, key) for source, target, key in zip(located["source"], located["target"], located["key"])
             if source in stored_ids and source in stage.located and target != stage.located[source]]
    return store.delete_relationships("LOCATED_IN", stale) if stale else 0


def _write(stage: _Stage, store: GraphStore, stored_ids: set[str]) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stored = stage.index.stored
    _relocate(stage, store, stored_ids)
    for node_id, (kind, props) in stage.nodes.items():
        before = stored.get(node_id)
        if before is not None and before[0] == kind and _unchanged(before[1], props):
            continue  # the store already holds every value: an upsert (merge) would change nothing
        by_kind[kind].append({"id": node_id, **props})
    for kind in sorted(by_kind, key=lambda k: _WRITE_ORDER.index(k) if k in _WRITE_ORDER else len(_WRITE_ORDER)):
        store.upsert_nodes(kind, by_kind[kind])
    moved: dict[str, list[dict[str, Any]]] = defaultdict(list)
    old_ids = []
    for migration in stage.migrations:
        old, new = migration["old_id"], migration["new_id"]
        if old not in stored_ids:
            continue
        old_ids.append(old)
        for type_, row in _neighbour_rows(store, old, new):
            if not _stale_location(stage, type_, row):  # the record moved town as it got its USCC: the new one only
                moved[type_].append(row)
    for type_, rows in moved.items():
        store.upsert_relationships(type_, rows)
    if old_ids:
        store.delete_nodes(old_ids)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (type_, source, target, key), props in stage.rels.items():
        by_type[type_].append({"source": source, "target": target, "key": key, **props})
    for type_, rows in by_type.items():
        store.upsert_relationships(type_, rows)


# ---------------------------------------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------------------------------------
def _map_sheet(raw: RawSheet, table: str | None, mapping: dict[str, str]) -> _Sheet:
    columns = [str(c) for c in raw.frame.columns]
    mapped: dict[str, str | None] = {}
    for column in columns:
        if column in mapping:
            mapped[column] = mapping[column] or None
        else:
            stripped = column.strip()
            mapped[column] = mapping[stripped] or None if stripped in mapping else None
    if table is None:
        candidates = []
        for name in TABLE_ORDER:
            fields = [mapped[c] or field_for_header(c, name) or _content_field(raw, c, name) for c in columns]
            candidates.append(name) if detect_table([f for f in fields if f]) == name else None
        best = None
        for name in candidates:
            fields = {mapped[c] or field_for_header(c, name) or _content_field(raw, c, name) for c in columns} - {None}
            score = (len(fields & set(TABLES[name])), -TABLE_ORDER.index(name))
            if best is None or score > best[0]:
                best = (score, name)
        if best is None:
            where = f"{raw.path!r}" + (f" sheet {raw.sheet!r}" if raw.sheet else "")
            raise IngestError(
                f"cannot tell which table {where} is from its headers ({', '.join(columns[:8])}); "
                "pass --table organisations|talents|tiers|relationships|participations|events|targets or a --mapping file"
            )
        table = best[1]
    renames: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        if column in mapping and not mapping[column]:
            ignored.append(column)
            continue
        target = mapped[column] or field_for_header(column, table)
        if target is None or target not in TABLES[table] or target in renames.values():
            ignored.append(column)
        else:
            renames[column] = target
    for column, target in list(renames.items()):
        declared = mapping.get(column) == "id" or mapping.get(column.strip()) == "id"
        if target == "id" and not declared and not _looks_like_identifiers(raw.frame[column]):
            del renames[column]  # 编号 / 序号 1..N: a per-file row number, never an identity
            ignored.append(f"{column} (序号/row numbers)")
    column_notes: list[tuple[str, str]] = []
    if table == "targets":
        _target_columns(raw, renames, ignored, mapping, column_notes)
    if table == "organisations":
        _certificate_column(renames, ignored, mapping, column_notes)
    region = _region_column(raw, table, ignored, renames, mapping)
    if region is not None:
        renames[region] = "town"
        ignored.remove(region)
    missing = [f for f in REQUIRED[table] if f not in renames.values()
               and not (f == "organisation" and "organisation_uscc" in renames.values())
               and not (f == "year" and "date" in renames.values())]
    if missing:
        where = f"{raw.path!r}" + (f" sheet {raw.sheet!r}" if raw.sheet else "")
        aliases = "; ".join(f"{f}: {', '.join(TABLES[table][f][:4])}" for f in missing)
        raise IngestError(f"{where} 缺少必需列 / is read as the {table} table but has no column for "
                          f"{', '.join(missing)} ({aliases}); rename the header, or map it with --mapping FILE "
                          f"(JSON {{\"your header\": \"{missing[0]}\"}}) or pass --table")
    if table == "targets" and "indicator" not in renames.values():  # wide: one column per indicator
        for column in [c for c in ignored if not (c in mapping and not mapping[c])]:
            if not re.fullmatch(r"column\d+|合计|总计|备注|说明", column.strip()):
                renames[column] = f"indicator:{column.strip()}"
                ignored.remove(column)
    elif table == "targets":  # long, the targets under a merged group: 2025年目标 over 全年 / 一季度 / …
        for column in [c for c in ignored if not (c in mapping and not mapping[c])]:
            base, part = _period_part(column)
            if part is not None and (field_for_header(base, table) == "target" or re.search(r"目标|任务", base)):
                renames[column] = f"target:{column.strip()}"
                ignored.remove(column)
    if table == "targets":
        raw = _city_totals(raw, renames)
    frame = raw.frame[list(renames)].rename(columns=renames)
    if region is not None:  # 所在地区: 宜兴市丁蜀镇 is 丁蜀镇; 宜兴市 alone is the whole city, no town
        towns = [_region_town(v) for v in frame["town"]]
        city = sum(1 for v, town in zip(frame["town"], towns) if town is None and not is_blank(v))
        frame = frame.assign(town=pd.Series(towns, index=frame.index, dtype=object))
        column_notes.append((region, f"{region} 列的值是镇街，按所属镇读取 / {region} holds towns: read as the town column"))
        if city:
            note = (f"{region} 列有 {city} 行为“宜兴市”（全市，不是镇街），这些行不设镇街 / {city} rows give 宜兴市 "
                    "(the whole city, not a town): no town for them")
            column_notes.append((region, note))
    units = {target: unit for column, target in renames.items() if (unit := header_unit(column))}
    if table == "targets":  # 目标值(家): the unit of every target of the sheet
        units.update({target: unit for column, target in renames.items()
                      if target == "target" and (unit := _target_unit(column))})
    return _Sheet(raw, table, frame, ignored, units, {target: column for column, target in renames.items()},
                  column_notes)


def _certificate_column(renames: dict[str, str], ignored: list[str], mapping: dict[str, str],
                        notes: list[tuple[str, str]]) -> None:
    """A firm list's plain 证书编号 (证书号) is the 高企 certificate number when 高新技术企业 is the sheet's only tier
    column (高新技术企业认定时间 beside it); beside several tier columns it is ambiguous and stays unloaded."""
    tiers = {f for f in renames.values() if f in {c for c, _ in _TIER_COLUMNS} | {"srdi_year"}}
    if tiers != {"hte_year"} or "hte_certificate" in renames.values():
        return
    for column in ignored:
        if column in mapping or column.strip() in mapping or normalise_header(column) not in ("证书编号", "证书号"):
            continue
        renames[column] = "hte_certificate"
        ignored.remove(column)
        note = (f"{column} 列按高新技术企业证书编号读取（本表唯一的梯次列是高新技术企业） / {column} read as the 高企 "
                "certificate number (高新技术企业 is the sheet's only tier column)")
        notes.append((column, note))
        return


#: headers that name the indicator in one bureau's sheet and hold the numbers in another
_TASK_HEADERS = frozenset({"目标任务", "目标任务数", "任务数"})
#: a 单位 column's cells when it gives each target's unit
_UNIT_WORDS = frozenset({"家", "户", "个", "项", "件", "人", "人次", "次", "场", "%", "亿元", "万元", "元", "台", "套"})


def _is_place(value: Any) -> bool:
    """A cell naming a town (丁蜀镇, 宜城街道, 环科园) or the whole city (全市, 宜兴市, 合计)."""
    name = clean_town(value)
    return is_city(value) or (name is not None and (name in _CITY_WORDS or name.endswith(_REGION_TOWN_END)
                                                    or name.endswith(("环科园", "经开区"))))


def _content_field(raw: RawSheet, column: str, table: str) -> str | None:
    """A targets column named 单位 (which often means the unit, 家 / 项, or a firm): ``place`` when its cells are
    towns or 全市 (at least 80 % of the filled ones), ``unit`` when they are units; None otherwise."""
    if table != "targets" or normalise_header(column) not in ("单位", "单位名称"):
        return None
    values = [v for v in raw.frame[column] if not is_blank(v)]
    if not values:
        return None
    if sum(_is_place(v) for v in values) >= 0.8 * len(values):
        return "place"
    if all(str(clean_text(v)) in _UNIT_WORDS for v in values):
        return "unit"
    return None


def _target_columns(raw: RawSheet, renames: dict[str, str], ignored: list[str], mapping: dict[str, str],
                    notes: list[tuple[str, str]]) -> None:
    """The targets columns whose meaning depends on the sheet: 单位 (:func:`_content_field`) and 目标任务 /
    目标任务数 / 任务数, the target value when the sheet has another indicator column (指标名称) and numbers under
    it, else the indicator's name as ever."""
    free = [c for c in ignored if not (c in mapping and not mapping[c]) and "(序号" not in c]
    for column in free:
        found = _content_field(raw, column, "targets")
        if found is not None and found not in renames.values():
            renames[column] = found
            ignored.remove(column)
            if found == "place":
                notes.append((column, f"{column} 列的值是镇街，按镇街读取 / {column} holds towns: read as the place"))
    for column in [c for c in raw.frame.columns if normalise_header(c) in _TASK_HEADERS]:
        if column in mapping or column.strip() in mapping or renames.get(column) == "target":
            continue
        others = [c for c in raw.frame.columns if c != column and field_for_header(c, "targets") == "indicator"]
        values = [v for v in raw.frame[column] if not is_blank(v)]
        if not others or not values or "target" in renames.values():
            continue
        numbers = sum(1 for v in values if _number_or_none(v) is not None)
        if numbers < 0.8 * len(values):
            continue
        renames.pop(column, None)
        if column in ignored:
            ignored.remove(column)
        renames[column] = "target"
        if "indicator" not in renames.values():
            renames[others[0]] = "indicator"
            if others[0] in ignored:
                ignored.remove(others[0])
        note = (f"{column} 列是数值，按目标值读取，指标名称取自 {others[0]} / {column} holds numbers: read as the target "
                f"value, the indicator from {others[0]}")
        notes.append((column, note))


def _number_or_none(value: Any) -> float | None:
    try:
        return parse_float(value)
    except (TypeError, ValueError):
        return None


#: headers of a column that may hold towns or something wider (a province system's 所在地区: 周铁镇, or 宜兴市)
_REGION_HEADERS = frozenset({"所在地区", "所属地区", "地区", "所在区域", "所属区域", "区域", "所在地区(镇街)", "行政区域"})
_REGION_PREFIX = re.compile(r"^(江苏省?)?(无锡市?)?(宜兴市?)?")
_REGION_TOWN_END = (*_TOWN_SUFFIXES, "乡", "园", "度假区", "新区", "新城")


def _region_town(value: Any) -> str | None:
    """The town a 所在地区 cell names (宜兴市丁蜀镇 → 丁蜀镇), None when it names none (blank, 宜兴市 alone, 无锡市);
    another text is kept as written (the town column's rules apply).

    >>> _region_town("宜兴市丁蜀镇"), _region_town("周铁镇"), _region_town("宜兴市"), _region_town("江苏省无锡市")
    ('丁蜀镇', '周铁镇', None, None)
    """
    town = clean_town(value)
    if town is None:
        return None
    rest = _REGION_PREFIX.sub("", town)
    return rest or None


def _region_column(raw: RawSheet, table: str, ignored: list[str], renames: dict[str, str],
                   mapping: dict[str, str]) -> str | None:
    """An organisations sheet's 所在地区 (地区, 所属区域 …) column when it holds towns (most values, after a 宜兴市 prefix,
    end as a town does: 镇, 街道, 园区 …) and the sheet has no town column; None otherwise (it stays ignored)."""
    if table != "organisations" or "town" in renames.values():
        return None
    for column in ignored:
        if column in mapping or column.strip() in mapping or \
                _BRACKET_END.sub("", normalise_header(column)) not in _REGION_HEADERS:
            continue
        values = [_region_town(v) for v in raw.frame[column] if not is_blank(v)]
        towns = [v for v in values if v is not None and v.endswith(_REGION_TOWN_END)]
        if towns and len(towns) * 2 >= len(values):
            return column
    return None


def _looks_like_identifiers(values: pd.Series) -> bool:
    """True when an id column holds identifiers (``E-0001``, ``320282001``) rather than a per-file row number:
    whole numbers (1..N, or any dense run) are row numbers, unless every one has six digits or more.

    >>> _looks_like_identifiers(pd.Series([1, 2, 3])), _looks_like_identifiers(pd.Series(["E1", "E2"]))
    (False, True)
    """
    texts = [clean_text(v) for v in values if not is_blank(v)]
    texts = [t for t in texts if t]
    if not texts:
        return False
    numbers = []
    for text in texts:
        try:
            number = float(text)
        except ValueError:
            return True  # letters or dashes: an identifier
        if not number.is_integer():
            return True
        numbers.append(int(number))
    dense = max(numbers) - min(numbers) + 1 <= len(set(numbers)) * 1.1 + 1
    return not dense and min(len(str(abs(n))) for n in numbers) >= 6


def ingest_files(
    store: GraphStore,
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    kind: str | None = None,
    table: str | None = None,
    mapping: str | os.PathLike[str] | dict[str, str] | None = None,
    sheet: str | None = None,
    accept_review: str | os.PathLike[str] | None = None,
    progress: bool = False,
    pause_gc: bool = False,
) -> IngestReport:
    """Read, validate, resolve and load spreadsheets into ``store``.

    Parameters
    ----------
    store : GraphStore
        Where to write.
    paths : path or iterable of paths
        CSV / XLSX files, in any order (every sheet of a workbook unless ``sheet``).
    kind : str, optional
        Node kind for every row of organisations tables without a ``kind`` column (English or Chinese).
    table : str, optional
        Force the table type instead of detecting it from the headers.
    mapping : path or dict, optional
        ``{"source header": "field"}`` (JSON or YAML file).
    sheet : str, optional
        Only this sheet of each workbook.
    accept_review : path, optional
        A review file with the ``decision`` column filled (merge / separate).
    progress : bool
        Show a progress bar per sheet (tqdm).
    pause_gc : bool
        Pause Python's cyclic garbage collector during the call (about 15 % faster on big files).  A
        process-wide switch: only a command-line process that does nothing else should ask for it, never a
        server.

    Returns
    -------
    IngestReport

    Raises
    ------
    IngestError
        A file cannot be read or its table cannot be recognised; nothing is written.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise IngestError("no files to ingest; give one or more CSV/XLSX paths")
    if table is not None and table not in TABLES:
        raise IngestError(f"unknown table {table!r}; use one of {', '.join(TABLE_ORDER)}")
    default_kind = None
    if kind is not None:
        default_kind = KIND_ALIASES.get(kind.strip().lower()) or KIND_ALIASES.get(kind.strip()) or kind.strip()
        check_kind(default_kind)
        if default_kind == "Talent" or default_kind in ("Tier", "Project", "Event"):
            raise SchemaError(f"--kind {kind!r}: talents, tiers, projects and events have their own tables")
    try:
        return _ingest(store, paths, default_kind, table, mapping, sheet, accept_review, progress, pause_gc)
    finally:
        clear_caches()  # the memo tables belong to this run, not to the process


def _ingest(store: GraphStore, paths: list[str], default_kind: str | None, table: str | None,
            mapping: str | os.PathLike[str] | dict[str, str] | None, sheet: str | None,
            accept_review: str | os.PathLike[str] | None, progress: bool, pause_gc: bool) -> IngestReport:
    with _gc_paused() if pause_gc else nullcontext():
        mapping_dict = load_mapping(mapping)
        decisions = load_review_decisions(accept_review)

        sheets: list[_Sheet] = []
        for path in paths:
            for raw in read_table(path, sheet, known_headers=mapping_dict):
                sheets.append(_map_sheet(raw, table, mapping_dict))
        sheets.sort(key=lambda s: TABLE_ORDER.index(s.table))

        migrate_talent_ids(store, identity_key)  # ids of stores written before keyed ids
        index = EntityIndex.from_store(store)
        stored_ids = set(index.kind_of)
        stage = _Stage(index, decisions)
        stage.id_key = id_key(store)
        for item in sheets:
            _skipped(stage, item)
        for passes in _work(sheets):
            for item, positions in passes:
                _run(stage, item, positions, default_kind, progress)
        _tell(stage)
        _derive_tiers(stage, store)
        _derive_collaborations(stage, store)
        with store.transaction(", ".join(os.path.basename(p) for p in paths)):  # all files or nothing
            _write(stage, store, stored_ids)

        report = IngestReport(
            files=[{"path": s.raw.path, "sheet": s.raw.sheet, "table": s.table, **s.counts,
                    "ignored_columns": s.ignored} for s in _in_given_order(sheets, paths)],
            rejections=_frame(stage.rejections, REJECTION_COLUMNS),
            merges=_frame(stage.merges, MERGE_COLUMNS),
            reviews=_frame(stage.reviews, REVIEW_COLUMNS),
            migrations=_frame(stage.migrations, MIGRATION_COLUMNS),
            skipped=_frame(stage.skipped, SKIPPED_COLUMNS),
            notes=_frame(stage.notes, NOTE_COLUMNS),
        )
    return report


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an ingest allocates hundreds of thousands of long-lived dicts and
    no reference cycles worth collecting, and the collector's passes over them took ~15% of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _strong_id(row: dict[str, Any]) -> bool:
    return any(not is_blank(row.get(column)) for column in ("id", "uscc", "moe_code"))


def _work(sheets: list[_Sheet]) -> list[list[tuple[_Sheet, list[int]]]]:
    """Rows to process, in passes.  Organisation rows with an id, USCC or 学校标识码 go first (all sheets), then
    those known only by name: a name then resolves to its USCC record wherever the two rows are, so a call
    gives the same buckets as its re-run."""
    organisations = [s for s in sheets if s.table == "organisations"]
    strong = []
    weak = []
    for item in organisations:
        records = item.records
        item.counts["rows_read"] = len(records)
        flags = [_strong_id(r) for r in records]
        strong.append((item, [i for i, f in enumerate(flags) if f]))
        weak.append((item, [i for i, f in enumerate(flags) if not f]))
    rest = []
    for item in sheets:
        if item.table != "organisations":
            item.counts["rows_read"] = len(item.frame)
            rest.append((item, list(range(len(item.frame)))))
    return [strong, weak, rest]


def _skipped(stage: _Stage, item: _Sheet) -> None:
    for skipped in item.raw.skipped:
        stage.skipped.append({"file": item.raw.path, "sheet": item.raw.sheet, "row": skipped.row,
                              "reason": skipped.reason, "text": skipped.text})
    item.counts["skipped"] = len(item.raw.skipped)
    for column, text in [*item.raw.notes, *item.column_notes]:  # how a whole column was read (.xlsb, 所在地区)
        stage.note(item, None, column, None, text)
    for column in item.ignored:
        if column.endswith("(序号/row numbers)"):
            stage.note(item, None, column.split(" (")[0], None,
                       "按每个文件自己的行号处理，不作为跨文件的编号 / a per-file row number (1..N): not used as an id")


def _by_sheet(stage: _Stage, matches: Callable[[str], bool]) -> dict[str, list[dict[str, Any]]]:
    """The notes whose text ``matches``, grouped by "file [sheet]" as the terminal names a sheet."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for note in stage.notes:
        if isinstance(note["note"], str) and matches(note["note"]):
            grouped[f"{note['file']}" + (f" [{note['sheet']}]" if note["sheet"] else "")].append(note)
    return grouped


def _tell(stage: _Stage) -> None:
    """One line per sheet on the terminal (the ``innonet.ingest`` logger) for what a user must act on."""
    for where, notes in _by_sheet(stage, lambda text: text == _FORMULA_NOTE).items():
        log.warning("%s: %d 个公式没有计算结果，请在 Excel/WPS 中打开后保存 / %d formulas without a computed value: "
                    "those fields are missing; open and save the file in Excel or WPS", where, len(notes), len(notes))
    for where, notes in _by_sheet(stage, lambda text: text.startswith(TOWN_NOT_FOUND)).items():
        towns = ", ".join(f"{n['value']} (row {n['row']}"
                          + (f", 最接近 / closest: {n['closest']})" if n.get("closest") else ")") for n in notes)
        log.warning("%s: %s: %s — 目标已写入，未新建镇街 / the targets are written, no town is created; 已有镇街 / known "
                    "towns: %s", where, TOWN_NOT_FOUND, towns, notes[0].get("known", ""))
    for where, notes in _by_sheet(stage, lambda text: text.startswith(FIELD_REJECTED)).items():
        shown = "; ".join(f"row {n['row']} {n['header']} ({n['field']}) = {n['value']}: "
                          f"{n['note'].split(': ', 1)[1].split('; 该字段')[0]}" for n in notes[:5]) + (f"; … (+{len(notes) - 5})" if len(notes) > 5 else "")
        log.warning("%s: %d 个字段值被拒绝，该字段留空、行已导入 / %d field value(s) rejected (fields left empty, rows "
                    "kept; see the report's 提示 notes sheet): %s", where, len(notes), len(notes), shown)


def _plain_number(value: Any) -> float | None:
    """A plain number cell (``0.8``, ``"0.8"``) as a float; None for anything else (``"80%"``, text, NaN)."""
    if value.__class__ in (int, float):
        return None if value != value or not math.isfinite(value) else float(value)
    if isinstance(value, str) and not value.strip().endswith("%"):
        try:
            number = float(unicodedata.normalize("NFKC", value).replace(",", "").strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _percent_flags(item: _Sheet) -> set[int]:
    """Positions of plain numbers <= 1 in a (%) column whose other values are > 1 (0.65 among 65, 70: check it)."""
    if "hightech_revenue_share" not in item.frame.columns:
        return set()
    small, large = [], False
    for position, value in enumerate(item.frame["hightech_revenue_share"]):
        number = _plain_number(value)
        if number is None:
            continue
        if number > 1:
            large = True
        elif 0 < number <= 1:
            small.append(position)
    return set(small) if large else set()


#: fields a row cannot do without (besides the table's required ones): what identifies it or what it refers to.  An
#: error value there rejects the row; anywhere else it is a field rejection (issue 13: "error values are field
#: rejections with the reason").
_ROW_FIELDS = frozenset({"id", "uscc", "moe_code", "kind", "organisation_uscc", "partner", "project_id", "event_id",
                         "indicator", "period", "quarter"})


def _problem_row(stage: _Stage, item: _Sheet, row: dict[str, Any], number: int) -> dict[str, Any]:
    """The row with formulas without values made missing (and noted) and error values made missing (a field
    rejection); an error value in a field the row cannot do without (its name, USCC, id …) rejects the row."""
    out = dict(row)
    for column, value in row.items():
        if value.__class__ is CellError:
            reason = f"the cell holds the error value {value} (a formula that failed); correct it in the workbook"
            if column in REQUIRED[item.table] or column in _ROW_FIELDS:
                raise _Reject(column, str(value), reason)
            out[column] = None
            stage.reject_field(column, str(value), reason)
            continue
        if value.__class__ is FormulaWithoutValue:
            out[column] = None
            stage.note(item, number, column, f"={value.formula}" if value.formula else "=", _FORMULA_NOTE)
    return out


def _with_cause(exc: _Reject, refused: list[dict[str, Any]]) -> _Reject:
    """A rejection for a missing field whose cell was refused (认定日期 #N/A and no 认定年份): the cell and why."""
    if exc.value is not None:
        return exc
    for note in refused:
        if not note["note"].startswith(FIELD_REJECTED):
            continue
        if note["field"] == exc.field or (exc.field == "year" and note["field"] == "date"):
            reason = note["note"].split(": ", 1)[1].split("; 该字段留空")[0]
            return _Reject(exc.field, note["value"], f"{exc.reason}; {note['header']}: {reason}")
    return exc


def _run(stage: _Stage, item: _Sheet, positions: list[int], default_kind: str | None, progress: bool) -> None:
    handler = _HANDLERS[item.table]
    records = item.records
    numbers = item.raw.row_numbers
    problems = set(item.raw.problem_rows)
    flags = _percent_flags(item) if positions else set()
    iterator: Iterable[int] = positions
    if progress and positions:
        from tqdm import tqdm

        iterator = tqdm(positions, desc=f"{os.path.basename(item.raw.path)} {item.raw.sheet}".strip(),
                        unit="row", leave=False)
    for position in iterator:
        row, number = records[position], numbers[position]
        if position in flags:  # 0.8 among 65, 70: kept as given (0.8 %), not turned into 80, and noted below
            row = {**row, "hightech_revenue_share": f"{_plain_number(row['hightech_revenue_share']):g}%"}
        stage.cursor = (item, number)
        stage.pending = []
        stage.doubtful = frozenset({"hightech_revenue_share"}) if position in flags else frozenset()
        stage.kept_stored = set()
        try:
            if position in problems:
                row = _problem_row(stage, item, row, number)
            bucket, detail = handler(stage, item, row, number, default_kind)
        except _Reject as exc:
            stage.reject(item, number, _with_cause(exc, stage.pending))
            continue
        except _Hold as exc:
            stage.hold(item, number, exc)
            continue
        finally:
            stage.cursor = None
            stage.doubtful = frozenset()
        stage.notes.extend(stage.pending)  # the row is kept: its field rejections are reported
        if bucket == "merged":
            into, rule, name = detail
            stage.merged(item, number, name, into, rule)
        else:
            item.counts["written"] += 1
        if position in flags and "hightech_revenue_share" not in stage.kept_stored:
            value = records[position].get("hightech_revenue_share")
            stage.note(item, number, "hightech_revenue_share", value,
                       f"占比列中其他值都大于 1，此值按原样保留为 {_plain_number(value):g}%，请核对是否应为 "
                       f"{_plain_number(value) * 100:g}% / a value <= 1 among values > 1 in a (%) column: kept as given "
                       f"({_plain_number(value):g} %); check whether it is a fraction ({_plain_number(value) * 100:g} %)")


def _in_given_order(sheets: list[_Sheet], paths: list[str]) -> list[_Sheet]:
    order = {p: i for i, p in reversed(list(enumerate(paths)))}
    return sorted(sheets, key=lambda s: order.get(s.raw.path, 0))
