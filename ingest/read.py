"""The one reader: CSV, XLSX/XLSM, XLS, XLSB, ODS, WPS ET and HTML/XML tables saved as ``.xls`` → raw sheets.

:func:`read_table` is the function every part of innonet calls to read a table a person gave it (the six
ingest tables, an attendee list, a targets table): it finds the header row, reads every sheet and says which
rows are not data.  ``read_file`` is the same function under its older name.

Formats are told from the content, not the suffix:

* CSV text is decoded as UTF-8 (with or without BOM), UTF-16 with a BOM or GB18030 (a superset of GBK and
  GB2312), strictly; a file whose GB18030 reading is unlikely Chinese (a Big5 or Shift-JIS file) is read in the
  encoding that gives likely text, or refused — never stored as mojibake.  The delimiter is the one of
  ``, ; tab |`` the first line uses most.
* Workbooks (``.xlsx .xlsm .xlsb .xls .ods``, and ``.et`` where the file is BIFF inside) are read with
  python-calamine (openpyxl for ``.xlsx`` when calamine is missing).  Before a workbook is opened its zip parts
  are inspected: the uncompressed size, every sheet's extent and cell count are checked against
  :class:`Limits`, so a small file that expands to millions of cells is refused in well under a second.
  The same pass finds what calamine does not say: formulas without a stored result
  (:class:`FormulaWithoutValue`), error values such as ``#DIV/0!`` (:class:`CellError`) and percent-formatted
  cells (read as text ``"65%"``, so a stored ``1`` is 100 %).  Vertically merged cells are filled down.
* An HTML table (what many web systems export with an ``.xls`` name) is read in its declared charset, with
  ``rowspan`` filled down; an XML Spreadsheet 2003 file is read sheet by sheet.

The header is the first of the first ten rows in which at least two cells are known headers (so a title line
above the table is skipped), else the first row with as many distinct text cells as a header has.  A row
under it that only names parts of merged groups (主要经济指标 over 营业收入(万元) / 研发投入(万元)) is combined
with it: ``主要经济指标/营业收入(万元)``.  Rows that total, subtotal or count (合计, 小计, ``3家``, a row equal to the
column sums; in Traditional characters too: 合計, 共計2家, 總計 — cells are folded to Simplified first),
notes (注, 备注, 说明, 填报说明), signatures and seals (填报人：…, （单位盖章）) are not data, nor are
the rows at the foot of the table with one filled cell that is a date (2025年1月15日, 2025.1.10, a date cell, in
any column) or a sentence (以上数据仅供参考) where the records fill several cells — a one-cell list of names and a
firm known only by its name (…有限公司, …厂, 张三个体户) stay records.  A note, signature or date row is told by its text
*and* by holding no data: a row with a valid 统一社会信用代码 or a number in an amount or count column is a record
even when a cell of it reads 注：… or 说明：… (a 备注 column).  They are listed in :attr:`RawSheet.skipped` with the reason.  Blank rows are dropped; a blank row never ends a table.

Any file that cannot be read at all raises :class:`graph.errors.IngestError`: one line, in Chinese and English,
naming the file as the user gave it.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = path.write_bytes("2023年名单\\n企业名称,统一社会信用代码\\n甲公司,\\n合计,1家\\n".encode("gb18030"))
>>> [(s.sheet, s.header_row, list(s.frame.columns), s.encoding) for s in read_table(path)]
[('', 2, ['企业名称', '统一社会信用代码'], 'gb18030')]
>>> [(row.row, row.reason) for row in read_table(path)[0].skipped]
[(4, '合计行 / total row')]
"""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import io
import math
import os
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from graph import uscc
from graph.errors import IngestError
from graph.text import simplified
from ingest.fields import TABLES, field_for_header

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_CELL_CHARS",
    "CellError",
    "FormulaWithoutValue",
    "Limits",
    "RawSheet",
    "SkippedRow",
    "read_file",
    "read_table",
]

#: longer cells are cut (and the row is still read); protects memory and the report
MAX_CELL_CHARS = 32_767
_HEADER_SCAN_ROWS = 10
_CHUNK = 1 << 22


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused unread (pass your own to :func:`read_table`).

    The defaults hold a province's lists (a million rows of a thousand columns is far beyond them) and stop
    the "zip bombs" a workbook can be: a 1.6 KB file with cells at A1 and XFD1048576, or 900 KB that expands
    to three million rows.

    Attributes
    ----------
    max_rows : int
        Rows of one sheet (1,000,000).
    max_columns : int
        Columns of one sheet (1,000; Excel's 16,384 is refused).
    max_cells : int
        Rows × columns of one sheet's used rectangle (30,000,000).
    max_bytes : int
        Bytes of a CSV file, or uncompressed bytes of all parts of a workbook (1 GiB).
    """

    max_rows: int = 1_000_000
    max_columns: int = 1_000
    max_cells: int = 30_000_000
    max_bytes: int = 1 << 30


DEFAULT_LIMITS = Limits()


class CellError:
    """A spreadsheet error value (``#DIV/0!``, ``#N/A``, ``#REF!``, ``#VALUE!`` …) where a value should be."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"CellError({self.code!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellError) and other.code == self.code

    def __hash__(self) -> int:
        return hash(("CellError", self.code))


class FormulaWithoutValue:
    """A formula cell whose workbook stores no computed result (written by a program, never opened in Excel)."""

    __slots__ = ("formula",)

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"FormulaWithoutValue({self.formula!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FormulaWithoutValue) and other.formula == self.formula

    def __hash__(self) -> int:
        return hash(("FormulaWithoutValue", self.formula))


_ERROR_CODES = frozenset({"#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA"})


@dataclass
class SkippedRow:
    """A row under the header that is not data: ``row`` as the user sees it, ``reason`` (中文 / English) and
    ``text`` (its cells, joined)."""

    row: int
    reason: str
    text: str


@dataclass
class RawSheet:
    """One table read from a file.

    Attributes
    ----------
    path : str
        The file, as given.
    sheet : str
        The sheet name ("" for CSV and a single HTML table).
    frame : pandas.DataFrame
        Object columns named by the header cells as written (two header rows joined by ``/``); cells are str,
        int, float, datetime, None, or a :class:`CellError` / :class:`FormulaWithoutValue`.
    header_row : int
        The spreadsheet row number of the (first) header row (1 = first row).
    encoding : str
        The encoding a text file was read with ("" for workbooks).
    row_numbers : list of int
        The row number as the user sees it of each row of ``frame``.
    skipped : list of SkippedRow
        Rows under the header that are not data (totals, notes, signatures), with the reason.
    problem_rows : list of int
        Positions in ``frame`` of rows holding a CellError or FormulaWithoutValue.
    header_rows : int
        How many rows the header spans.
    totals : list of (int, dict)
        The row number and cells (column name → cell) of each row skipped as a total.
    title : str
        The text of the rows above the header (titles, units), joined by spaces.
    notes : list of (str, str)
        Column-wide notes (column name, 中文 / English reason), e.g. that an ``.xlsb`` sheet's number formats cannot
        be read, so its (%) column relies on the "≤ 1 among values > 1" check.
    """

    path: str
    sheet: str
    frame: pd.DataFrame
    header_row: int
    encoding: str = ""
    row_numbers: list[int] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    problem_rows: list[int] = field(default_factory=list)
    header_rows: int = 1
    #: (row number, cells) of the rows skipped as totals (合计): a targets sheet reads its 合计 row as the city's
    totals: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    #: the text of the rows above the header (a title such as 2025年度目标任务分解表)
    title: str = ""
    #: (column name, note) the reader could not settle for a whole column (中文 / English): the number formats of
    #: an ``.xlsb`` sheet, which no reader exposes, under a (%) column
    notes: list[tuple[str, str]] = field(default_factory=list)


def _fail(path: str | os.PathLike[str], reason: str) -> IngestError:
    return IngestError(f"无法读取 / cannot read {os.fspath(path)!r}: {reason}")


# ---------------------------------------------------------------------------------------------------------
# text encodings
# ---------------------------------------------------------------------------------------------------------
# lead-byte ranges of the common characters of each encoding (symbols and level-1 characters): text decoded in
# the right encoding is made of them; the same bytes decoded in another encoding mostly are not.
_COMMON = {
    "gb18030": ("gb2312", ((0xA1, 0xA3), (0xB0, 0xD7))),
    "big5": ("big5", ((0xA1, 0xA3), (0xA4, 0xC6))),
    "shift_jis": ("shift_jis", ((0x81, 0x84), (0x88, 0x9F))),
}
_PLAUSIBLE = 0.8


def _common_share(text: str, encoding: str) -> float:
    codec, ranges = _COMMON[encoding]
    total = common = 0
    seen: dict[str, bool] = {}
    for char in text:
        if char < "\u0080":
            continue
        total += 1
        hit = seen.get(char)
        if hit is None:
            try:
                lead = char.encode(codec)[0]
            except UnicodeEncodeError:
                lead = 0
            half_kana = encoding == "shift_jis" and "\uff61" <= char <= "\uff9f"
            hit = seen[char] = half_kana or any(low <= lead <= high for low, high in ranges)
        common += hit
        if total >= 20_000:
            break
    return common / total if total else 1.0


def _decode(data: bytes, path: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _fail(path, "文件以 UTF-16 标记开头但内容不是 UTF-16 / it starts with a UTF-16 byte-order mark "
                              "but is not valid UTF-16") from None
    if data.count(b"\x00") > len(data) // 100:
        raise _fail(path, "这是二进制文件，不是 CSV 文本或工作簿 / it is a binary file, not CSV text or a workbook")
    data = data.replace(b"\x00", b"")  # a stray NUL in a cell
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    sample = data[:200_000]
    readings: dict[str, float] = {}
    for encoding in ("gb18030", "big5", "shift_jis"):
        try:
            text = sample.decode(encoding, errors="strict" if len(sample) == len(data) else "ignore")
        except UnicodeDecodeError:
            continue
        readings[encoding] = _common_share(text, encoding)
    gb = readings.get("gb18030")
    best = max(readings, key=lambda e: (readings[e], e == "gb18030"), default=None)
    chosen = "gb18030" if gb is not None and (gb >= _PLAUSIBLE or best == "gb18030") else best
    if chosen is not None and readings[chosen] >= _PLAUSIBLE:
        try:
            return data.decode(chosen), chosen
        except UnicodeDecodeError:
            pass
    raise _fail(path, "无法确定编码：不是 UTF-8，按 GB18030/GBK 读出的是乱码 / it is neither UTF-8 nor GB18030/GBK "
                      "text (read as GB18030 it gives unlikely characters); save it as UTF-8 CSV or as XLSX")


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return True
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t")
    return controls <= len(sample) // 100


def _delimiter(text: str) -> str:
    first = next((line for line in text[:1 << 20].splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# ---------------------------------------------------------------------------------------------------------
# header and body
# ---------------------------------------------------------------------------------------------------------
def _is_known(cell: object, extra: frozenset[str]) -> bool:
    if _blank(cell) or not isinstance(cell, str):
        return False
    text = cell.strip()
    return text in extra or any(field_for_header(text, table) for table in TABLES)


def _known_count(cells: list[object], extra: frozenset[str] = frozenset()) -> int:
    return sum(1 for cell in cells if _is_known(cell, extra))


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or (isinstance(cell, str) and not cell.strip())


def _text(cell: object) -> str:
    if _blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _header_index(rows: list[list[object]], non_empty: list[int], extra: frozenset[str]) -> int:
    scan = non_empty[:_HEADER_SCAN_ROWS]
    for i in scan:
        if _known_count(rows[i], extra) >= 2:
            return i
    # no known headers: the first row with (nearly) as many distinct text cells as the widest scanned row
    def texts(i: int) -> int:
        return len({c.strip() for c in rows[i] if isinstance(c, str) and c.strip()})

    widest = max((texts(i) for i in scan), default=0)
    for i in scan:
        if widest and texts(i) >= max(2, widest - widest // 4) or (widest < 2 and texts(i) == widest):
            return i
    return non_empty[0]


#: A part of a year under a merged group header (2025年目标 over 全年 / 一季度 / … ; 1-6月; 上半年).
PERIOD_PART = re.compile(r"^(全年|年度|全年目标|年度目标|(第)?[一二三四1-4]季度|[Qq][1-4]|上半年|下半年|1[-~至到]\d{1,2}月)$")


def _is_period_part(cell: object) -> bool:
    return isinstance(cell, str) and PERIOD_PART.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell))) is not None


def _is_subheader(upper: list[object], lower: list[object], extra: frozenset[str]) -> bool:
    """True when ``lower`` names the parts of ``upper``'s groups (and is no data row)."""
    named = 0
    for position, cell in enumerate(lower):
        if _blank(cell):
            continue
        if not isinstance(cell, str):
            return False
        above = upper[position] if position < len(upper) else None
        if not _blank(above) and _text(above) == cell.strip():
            continue  # a vertically merged header cell, filled down
        if _is_period_part(cell):  # 全年 / 一季度 … under a group (also under a known one: 目标值 over quarters)
            named += 1
            continue
        if not _blank(above) and _is_known(above, extra):
            return False  # a value under a header: a data row
        if not _is_known(cell, extra):
            return False
        named += 1
    return named > 0


def _combine(upper: list[object], lower: list[object], extra: frozenset[str]) -> list[object]:
    width = max(len(upper), len(lower))
    out: list[object] = []
    group, group_known = "", False
    for position in range(width):
        top = _text(upper[position]) if position < len(upper) else ""
        bottom = _text(lower[position]) if position < len(lower) else ""
        if top:
            group, group_known = top, _is_known(top, extra)
        elif bottom and group and (not group_known or _is_period_part(bottom)):
            top = group  # a horizontally merged group label over this column
        if not bottom or bottom == top:
            out.append(top or None)
        elif not top:
            out.append(bottom)
        else:
            out.append(f"{top}/{bottom}")
    return out


def _names(header: list[object], width: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for position in range(width):
        cell = header[position] if position < len(header) else None
        name = _text(cell) or f"column{position + 1}"
        while name in seen:
            name += "_"
        seen.add(name)
        names.append(name)
    return names


_TOTAL = re.compile(r"^(合计|小计|总计|共计|累计|总合计|全市合计|全区合计|total|subtotal|grandtotal|sum)(\W|\d|$)",
                    re.IGNORECASE)
_COUNT = re.compile(r"^(合计|共计|总计|共)?[:：]?\d+(家|户|个单位)(企业|单位)?$")
_NOTE = re.compile(r"^(注|备注|说明|填报说明|填表说明|附注|数据来源|资料来源|note|notes)(\d|[:：.、．)）(（]|$)",
                   re.IGNORECASE)
_SIGN = re.compile(r"^(填报人|填表人|制表人?|审核人?|审核|复核人?|负责人|单位负责人|分管领导|联系人|联系电话|电话|手机|"
                   r"填报日期|填表日期|制表日期|日期|填报单位|单位(盖章)?|签字|签名|盖章|\(盖章\)|（盖章）)\s*[:：]")
#: a seal or signature placeholder alone in a cell: （单位盖章）, (盖章), 单位（盖章）, 签字盖章, (签名)
_SEAL = re.compile(r"^\(?(填报单位|单位|公司|企业|单位负责人|负责人)?\(?(盖章|公章|签章|签字|签名|签字盖章|签字\(盖章\)|盖章处|签字处)"
                   r"\)?[:：]?$")
_FIRST = frozenset("合小总共累全注备说填附数资制审复负分联电手日单签盖公企(（TtSsNn")
#: the Traditional forms of those first characters (總計, 註, 備註, 說明, 填報人, 審核, 簽字 …): a row they start is folded
#: to Simplified (:func:`_folded`) before it is matched, so 合計 / 共計2家 / 總計 are totals like 合计 / 共计2家 / 总计
_FIRST_TRADITIONAL = "總註備說數資製審複負聯電單簽蓋"
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


_FIRST_ANY = _FIRST | frozenset(_FIRST_TRADITIONAL)
_CANDIDATE = re.compile("(?:^|\x1f)[" + re.escape("".join(sorted(_FIRST_ANY))) + "]|家(?:\x1f|$)")


def _folded(cell: str) -> str:
    """A cell as the not-data patterns read it: NFKC, no whitespace, Traditional → Simplified
    (:func:`graph.text.simplified`, the one converter): ``"合 計"`` → ``"合计"``, ``"填報人："`` → ``"填报人:"``."""
    return simplified(re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell)))


def _not_data(row: list[object]) -> str | None:
    """The reason a body row is not data, or None (a Traditional 合計 / 共計2家 / 總計 / 註 as its Simplified form)."""
    texts = [c for c in row if c.__class__ is str]
    if not texts or not _CANDIDATE.search("\x1f".join(texts)):  # one C-level test for the common data row
        return None
    for cell in texts:
        if cell[:1] not in _FIRST_ANY and cell[-1:] != "家":
            continue
        text = _folded(cell)
        if _TOTAL.match(text):
            return "合计行 / total row"
        if _COUNT.match(text):
            return "计数行 / count row"
        if _NOTE.match(text):
            return "注释行 / note"
        if _SIGN.match(text) or _SEAL.match(text):
            return "签名或日期行 / signature or date line"
    return None


_SIGNED = "签名或日期行 / signature or date line"
_NOTE_ROW = "注释行 / note"
_DATE_TEXT = re.compile(r"^(\d{4}\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?|\d{4}\s*年\s*\d{1,2}\s*月"
                        r"|[〇零一二三四五六七八九○]{4}年[一二三四五六七八九十]{1,2}月([一二三四五六七八九十]{1,3}日)?)$")
#: how an organisation's (or a Latin) name ends: a one-cell row ending so at the foot of a table is a record
_NAME_END = re.compile(r"(公司|厂|场|店|部|社|行|所|院|校|中心|户|门市|大学|学院|集团|协会|商会|联合会|基金|站|局|委员会|馆|室|队|处|园|坊|"
                       r"合伙\)|企业|银行|医院|事务所|工作室|平台|实验室|基地|研究会|学会|联盟|办|镇|街道|村|\))$"
                       r"|(ltd\.?|limited|inc\.?|llc|gmbh|co\.?|corp\.?|university|institute|college|cent(er|re)|lab|"
                       r"group|fund)$", re.IGNORECASE)
#: how a sentence under a table starts (以上数据仅供参考, 本表…, 如有疑问…)
_NOTE_START = re.compile(r"^(以上|上述|本表|此表|表中|如有|如需|请|特此|其中|各单位|数据|注意|温馨提示|统计口径|口径)")
_SENTENCE = re.compile(r"[，。；！？,;!?]")
_IDENTIFIER = re.compile(r"^[0-9A-Z]{15,20}$")


#: headers of numeric columns that are not amounts or counts: a number under them says nothing about a row being a
#: record (a signature line puts a phone number there)
_NOT_AMOUNT = re.compile(r"电话|手机|联系|传真|邮编|邮箱|日期|时间|年份|年度|编号|序号|代码|^id$|^no\.?$", re.IGNORECASE)


def _numeric_columns(names: list[str], rows: list[list[object]]) -> set[int]:
    """Positions of the amount and count columns: at least half of the ``rows`` that fill them hold a number,
    and the header is no phone, date, year or code (营业收入(万元), 职工总数, column7 …)."""
    filled: dict[int, int] = {}
    numbers: dict[int, int] = {}
    for row in rows:
        for position, cell in enumerate(row):
            if cell is None:
                continue
            filled[position] = filled.get(position, 0) + 1
            if _number(cell) is not None:
                numbers[position] = numbers.get(position, 0) + 1
    return {position for position, count in numbers.items()
            if count * 2 >= filled[position] and not (position < len(names) and _NOT_AMOUNT.search(names[position]))}


def _holds_data(row: list[object], numeric: set[int]) -> bool:
    """True when a row holds what only a record holds: a valid 统一社会信用代码 in any cell, or a number in an amount or
    count column.  A note, signature or date line under a table holds neither (the rule of issue 13: such a row is
    told by its text *and* by having no data in the other columns)."""
    for position, cell in enumerate(row):
        if cell is None:
            continue
        if isinstance(cell, str) and len(cell) >= 18 and uscc.is_valid(cell):
            return True
        if position in numeric and _number(cell) is not None:
            return True
    return False


def _date_alone(cell: object) -> bool:
    """True for a date cell, or a date written as text (2025年1月15日, 2025.1.10, 2025-01-15)."""
    if isinstance(cell, (dt.date, dt.datetime)):
        return True
    return isinstance(cell, str) and _DATE_TEXT.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell))) is not None


def _free_text(cell: object, one_cell_table: bool) -> bool:
    """True when ``cell``, alone in a row at the foot of the table, is a note rather than a record: text that is no
    identifier, no number and no name (a sentence, or words that start a note).  In a table whose rows have one
    cell (a list of names) only words that start a note count."""
    if not isinstance(cell, str):
        return False
    text = _folded(cell)
    if not text or _NUMERIC.match(text.replace(",", "")) or _IDENTIFIER.match(text.upper()):
        return False
    if _NAME_END.search(text.rstrip("。.")) and not _SENTENCE.search(text[:-1]):
        return False  # 宜兴市某某科技有限公司: a firm known only by its name
    if _NOTE_START.match(text):
        return True
    if one_cell_table:
        return False
    return bool(_SENTENCE.search(text)) or len(text) >= 5  # longer than a person's name


def _trailer(rows: list[list[object]], keep: list[int]) -> list[tuple[int, str]]:
    """The rows at the foot of the table (after its last record) that are signatures, dates or notes: each has one
    filled cell — a date (2025年1月15日 in any column, a date cell), a seal (（单位盖章）) or, in a table whose records
    fill several cells, a sentence (以上数据仅供参考).  Returns (position in ``keep``, reason), last first."""
    def filled(row: list[object]) -> list[object]:
        return [c for c in row if c is not None and not _blank(c)]

    if not keep or len(filled(rows[keep[-1]])) != 1:
        return []  # the common case: the last row is a record (checked before counting every row's cells)
    counts = [len(filled(rows[i])) for i in keep]
    several = sum(1 for n in counts if n >= 2)
    one_cell_table = several * 2 < len(counts)
    out: list[tuple[int, str]] = []
    for position in range(len(keep) - 1, -1, -1):
        if counts[position] != 1:
            break
        [cell] = filled(rows[keep[position]])
        if _date_alone(cell):
            out.append((position, _SIGNED))
        elif _free_text(cell, one_cell_table):
            out.append((position, _NOTE_ROW))
        else:
            break
    if len(out) == len(keep):
        return []  # nothing but such rows: not a table with a foot
    return out


def _number(cell: object) -> float | None:
    if cell.__class__ is int or cell.__class__ is float:
        return float(cell)  # type: ignore[arg-type]
    if isinstance(cell, str):
        text = cell.replace(",", "").strip()
        if _NUMERIC.match(text):
            return float(text)
    return None


def _sum_row(row: list[object], above: list[list[object]]) -> bool:
    """True when every cell of ``row`` is a number equal to its column's sum over ``above`` (>= 2 rows)."""
    if len(above) < 2:
        return False
    checked = 0
    for position, cell in enumerate(row):
        if cell is None:
            continue
        value = _number(cell)
        if value is None:
            return False
        total = 0.0
        for other in above:
            number = _number(other[position]) if position < len(other) else None
            total += number or 0.0
        if not math.isclose(value, total, rel_tol=1e-9, abs_tol=1e-6):
            return False
        checked += value != 0
    return checked > 0


def _table(path: str, sheet: str, rows: list[list[object]], encoding: str,
           extra: frozenset[str] = frozenset()) -> RawSheet | None:
    """Pick the header row(s), drop what is not data and build the frame; None when the sheet has no non-empty row."""
    cells = [_cells(row) for row in rows]
    non_empty = [i for i, row in enumerate(cells) if any(c is not None for c in row)]
    if not non_empty:
        return None
    header_index = _header_index(cells, non_empty, extra)
    header = cells[header_index]
    last_header = header_index
    following = [i for i in non_empty if i > header_index]
    for candidate in following[:2]:
        if candidate != last_header + 1 or not _is_subheader(header, cells[candidate], extra):
            break
        header = _combine(header, cells[candidate], extra)
        last_header = candidate
    width = max(max(len(r) for r in cells[header_index:]), len(header))
    names = _names(header, width)
    keep: list[int] = []
    skipped: list[SkippedRow] = []
    since_total: list[list[object]] = []  # data rows since the last total (a subtotal's rows)
    above: list[list[object]] = []  # every data row (a grand total's rows)
    totals: list[tuple[int, dict[str, object]]] = []
    numeric: set[int] | None = None  # the amount columns, found when a row first looks like a note
    for i in following:
        if i <= last_header:
            continue
        row = cells[i]
        reason = _not_data(row)
        if reason in (_NOTE_ROW, _SIGNED):
            if numeric is None:
                numeric = _numeric_columns(names, [cells[j] for j in following if j > last_header])
            if _holds_data(row, numeric):
                reason = None  # 注塑…厂 / 说明: with a USCC or an amount: a record, checked as one downstream
        if reason is None and all(c is None or c.__class__ is not str or _NUMERIC.match(c.replace(",", "").strip())
                                  for c in row) and (_sum_row(row, since_total) or _sum_row(row, above)):
            reason = "合计行（等于上方各列之和） / total row (equals the column sums)"
        if reason is not None:
            skipped.append(SkippedRow(i + 1, reason, " | ".join(_text(c) for c in row if c is not None)[:200]))
            if reason.startswith("合计行"):
                totals.append((i + 1, dict(zip(names, row + [None] * (width - len(row))))))
            since_total = []
            continue
        keep.append(i)
        since_total.append(row)
        above.append(row)
    trailer = _trailer(cells, keep)
    if trailer:
        for position, reason in trailer:
            i = keep[position]
            skipped.append(SkippedRow(i + 1, reason, " | ".join(_text(c) for c in cells[i] if c is not None)[:200]))
        dropped = {position for position, _ in trailer}
        keep = [i for position, i in enumerate(keep) if position not in dropped]
        skipped.sort(key=lambda s: s.row)
    data = [cells[i] + [None] * (width - len(cells[i])) if len(cells[i]) < width else cells[i] for i in keep]
    frame = pd.DataFrame(data, columns=names, dtype=object) if data else pd.DataFrame(columns=names, dtype=object)
    # keep only columns with a header or a value
    drop = [n for n in names if n.startswith("column") and frame[n].map(_blank).all()] if len(frame) else []
    frame = frame.drop(columns=drop)
    problems = [p for p, i in enumerate(keep) if any(c.__class__ in _PROBLEMS for c in cells[i])] \
        if _has_problems(cells) else []
    return RawSheet(path, sheet, frame, header_index + 1, encoding, [i + 1 for i in keep], skipped, problems,
                    last_header - header_index + 1, totals,
                    " ".join(_text(c) for i in non_empty if i < header_index for c in cells[i] if not _blank(c)))


_PROBLEMS = (CellError, FormulaWithoutValue)


_PROBLEM_TYPES = frozenset(_PROBLEMS)


def _has_problems(rows: list[list[object]]) -> bool:
    return any(not _PROBLEM_TYPES.isdisjoint(map(type, row)) for row in rows)


def _cells(row: Iterable[object]) -> list[object]:
    """``[_cell(c) for c in row]`` with the common cells (a short non-blank text, an int, a number) kept inline:
    a text whose first character is not a space (nor ``#``, an error value) is not blank."""
    return [
        c if ((k := c.__class__) is str and c and not c[0].isspace() and c[0] != "#" and len(c) <= MAX_CELL_CHARS)
        or k is int or (k is float and c == c) else _cell(c)
        for c in row
    ]


def _cell(value: object) -> object:
    if isinstance(value, str):
        if not value.strip():
            return None
        if value[0] == "#" and value.strip().upper() in _ERROR_CODES:
            return CellError(value.strip().upper())
        return value[:MAX_CELL_CHARS]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


# ---------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------
def _read_csv(path: str, data: bytes, extra: frozenset[str], limits: Limits) -> list[RawSheet]:
    text, encoding = _decode(data, path)
    if not _looks_like_text(text):
        raise _fail(path, "这是二进制文件，不是 CSV 文本或工作簿 / it is a binary file, not CSV text or a workbook")
    delimiter = _delimiter(text)
    rows: list[list[object]] = []
    try:
        csv.field_size_limit(max(MAX_CELL_CHARS * 64, 1 << 20))
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(row) > limits.max_columns:
                raise _too_big(path, "", f"{len(row)} 列 / columns", f"{limits.max_columns} columns")
            rows.append(row)  # type: ignore[arg-type]
            if len(rows) > limits.max_rows:
                raise _too_big(path, "", f"超过 {limits.max_rows} 行 / more than {limits.max_rows} rows",
                               f"{limits.max_rows} rows")
    except csv.Error as exc:
        raise _fail(path, f"CSV 格式错误 / malformed CSV ({exc})") from None
    table = _table(path, "", rows, encoding, extra)
    return [table] if table is not None else []


def _too_big(path: str, sheet: str, what: str, limit: str) -> IngestError:
    where = f" sheet {sheet!r}" if sheet else ""
    return _fail(path, f"文件过大{where}：{what}，超过上限 / too large{where}: {what}, beyond the limit of {limit} "
                       "(ingest.read.Limits); split the file")


# ---------------------------------------------------------------------------------------------------------
# XLSX inspection: limits, formulas without values, error cells, percent formats
# ---------------------------------------------------------------------------------------------------------
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DIMENSION = re.compile(rb'<dimension\s+ref="\$?([A-Z]{1,4})\$?(\d{1,8})(?::\$?([A-Z]{1,4})\$?(\d{1,8}))?"')
_CELL_COLUMNS = re.compile(rb'<c\s+r="([A-Z]{1,4})')
_CELL_ROWS = re.compile(rb'<c\s+r="[A-Z]{1,4}(\d{1,9})"')
_ROW_TAGS = re.compile(rb'<row\b[^>]*?\br="(\d{1,9})"')
_UNCACHED = re.compile(rb'<c\b([^>]*)>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>(?:\s*<f\b[^>]*?(?:/>|>[^<]*</f>))?\s*<v>([^<]*)</v>')
_REF = re.compile(rb'\br="([A-Z]{1,4})(\d{1,9})"')


def _column_index(letters: bytes | str) -> int:
    number = 0
    for char in letters if isinstance(letters, str) else letters.decode():
        number = number * 26 + ord(char) - 64
    return number


@dataclass
class _SheetMarks:
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, column) 1-based → marker
    percent: set[tuple[int, int]] = field(default_factory=set)


def _percent_styles(archive: zipfile.ZipFile, names: set[str]) -> set[int]:
    if "xl/styles.xml" not in names:
        return set()
    try:
        root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except ElementTree.ParseError:
        return set()
    codes = {9: "0%", 10: "0.00%"}
    for fmt in root.iter(f"{_MAIN}numFmt"):
        try:
            codes[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
        except ValueError:
            continue
    percent_ids = {i for i, code in codes.items() if "%" in re.sub(r'"[^"]*"|\\.', "", code)}
    xfs = root.find(f"{_MAIN}cellXfs")
    if xfs is None:
        return set()
    out = set()
    for position, xf in enumerate(xfs.iter(f"{_MAIN}xf")):
        try:
            if int(xf.get("numFmtId", "0")) in percent_ids:
                out.add(position)
        except ValueError:
            continue
    return out


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name → its part in the zip (``xl/worksheets/sheet1.xml``)."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")) \
            if "xl/_rels/workbook.xml.rels" in names else None
    except (ElementTree.ParseError, KeyError):
        return {}
    targets = {}
    if rels is not None:
        for rel in rels:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = os.path.normpath(target).replace(os.sep, "/")
    parts = {}
    for position, node in enumerate(workbook.iter(f"{_MAIN}sheet"), start=1):
        part = targets.get(node.get(f"{_REL}id")) or f"xl/worksheets/sheet{position}.xml"
        parts[node.get("name", "")] = part
    return parts


def _inspect_xlsx(path: str, archive: zipfile.ZipFile, limits: Limits) -> dict[str, _SheetMarks]:
    """Check the workbook against ``limits`` and find what calamine does not report, sheet by sheet."""
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > limits.max_bytes:
        raise _too_big(path, "", f"解压后 {total:,} 字节 / {total:,} bytes uncompressed", f"{limits.max_bytes:,} bytes")
    names = {info.filename for info in infos}
    percent_styles = _percent_styles(archive, names)
    percent_cell = re.compile(rb'<c\b[^>]*?\bs="(?:' + b"|".join(str(s).encode() for s in sorted(percent_styles))
                              + rb')"[^>]*>') if percent_styles else None
    marks: dict[str, _SheetMarks] = {}
    for sheet, part in _sheet_parts(archive, names).items():
        if part not in names:
            continue
        marks[sheet] = _scan_sheet(path, sheet, archive, part, limits, percent_cell)
    return marks


def _check_extent(path: str, sheet: str, rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise _too_big(path, sheet, f"{rows:,} 行 / rows", f"{limits.max_rows:,} rows")
    if columns > limits.max_columns:
        raise _too_big(path, sheet, f"{columns:,} 列 / columns", f"{limits.max_columns:,} columns")
    if rows * columns > limits.max_cells:
        raise _too_big(path, sheet, f"{rows:,} × {columns:,} 个单元格 / cells", f"{limits.max_cells:,} cells")


def _scan_sheet(path: str, sheet: str, archive: zipfile.ZipFile, part: str, limits: Limits,
                percent_cell: re.Pattern[bytes] | None) -> _SheetMarks:
    marks = _SheetMarks()
    max_row = max_column = cells = 0
    first = True
    tail = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            buffer = tail + chunk
            if chunk:
                cut = buffer.rfind(b"</row>")
                if cut < 0:
                    tail = buffer
                    if len(tail) < 8 * _CHUNK:
                        continue
                    cut = buffer.rfind(b">")
                buffer, tail = buffer[: cut + 1], buffer[cut + 1:]
            elif not buffer:
                break
            else:
                tail = b""
            if first:
                first = False
                dimension = _DIMENSION.search(buffer[:4096])
                if dimension:
                    low_col, low_row, high_col, high_row = dimension.groups()
                    if high_col:
                        _check_extent(path, sheet, int(high_row) - int(low_row) + 1,
                                      _column_index(high_col) - _column_index(low_col) + 1, limits)
            cells += buffer.count(b"<c ") + buffer.count(b"<c>")
            columns = set(_CELL_COLUMNS.findall(buffer))
            if columns:
                max_column = max(max_column, *(_column_index(c) for c in columns))
            for pattern in (_CELL_ROWS, _ROW_TAGS):
                found = pattern.findall(buffer)
                if found:
                    longest = max(map(len, found))
                    max_row = max(max_row, max(int(r) for r in set(found) if len(r) == longest))
            _check_extent(path, sheet, max_row, max_column, limits)
            if cells > limits.max_cells:
                raise _too_big(path, sheet, f"{cells:,} 个单元格 / cells", f"{limits.max_cells:,} cells")
            if b"<f" in buffer:
                for match in _UNCACHED.finditer(buffer):
                    attributes, _, formula = match.groups()
                    ref = _REF.search(attributes)
                    if ref is None or b't="str"' in attributes:
                        continue
                    text = (formula or b"").decode("utf-8", "replace")
                    marks.cells[(int(ref.group(2)), _column_index(ref.group(1)))] = FormulaWithoutValue(text)
            if b't="e"' in buffer:
                for match in _ERROR_CELL.finditer(buffer):
                    ref = _REF.search(match.group(1))
                    if ref is not None:
                        code = match.group(2).decode("utf-8", "replace").strip() or "#VALUE!"
                        marks.cells[(int(ref.group(2)), _column_index(ref.group(1)))] = CellError(code)
            if percent_cell is not None:
                for match in percent_cell.finditer(buffer):
                    ref = _REF.search(match.group(0))
                    if ref is not None:
                        marks.percent.add((int(ref.group(2)), _column_index(ref.group(1))))
            if not chunk:
                break
    return marks


def _percent_text(value: object) -> object:
    if value.__class__ in (int, float) and value == value:
        return f"{round(float(value) * 100, 9):g}%" if abs(float(value)) < 1e6 else value  # type: ignore[arg-type]
    return value


def _apply_marks(rows: list[list[object]], marks: _SheetMarks | None) -> None:
    if marks is None:
        return
    for (row, column), marker in marks.cells.items():
        while len(rows) < row:
            rows.append([])
        cells = rows[row - 1]
        if len(cells) < column:
            cells.extend([""] * (column - len(cells)))
        if _blank(cells[column - 1]) or isinstance(marker, CellError):
            cells[column - 1] = marker
    for row, column in marks.percent:
        if row <= len(rows) and column <= len(rows[row - 1]):
            rows[row - 1][column - 1] = _percent_text(rows[row - 1][column - 1])


def _fill_merged(rows: list[list[object]], ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]] | None) -> None:
    """Copy the value of a vertically merged range down its column (a town merged over its firms)."""
    for (top, left), (bottom, _right) in ranges or ():
        if bottom <= top or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for row in range(top + 1, min(bottom, len(rows) - 1) + 1):
            cells = rows[row]
            if left < len(cells) and _blank(cells[left]):
                cells[left] = value


# ---------------------------------------------------------------------------------------------------------
# .xls and .ods: what calamine does not say (number formats, formulas without a stored result, error results)
# ---------------------------------------------------------------------------------------------------------
#: a header whose column holds shares: 高新技术产品收入占比(%), 占比, 比例, 比重 — matched on the folded header
#: (:func:`_is_share_header`: NFKC and Traditional → Simplified, so 佔比 and 比重 in Big5 count too)
_PERCENT_HEADER = re.compile(r"%|占比|比例|比重")


def _is_share_header(cell: object) -> bool:
    """True for a header naming a share (高新技术产品收入占比(%), 高新技術產品收入佔比, 比例): the one test of the
    .xls and .xlsb share columns, on the header folded by :func:`_folded` (NFKC turns ％ into %)."""
    return isinstance(cell, str) and bool(_PERCENT_HEADER.search(_folded(cell)))


def _percent_columns(rows: list[list[object]]) -> set[int]:
    """0-based columns whose header (in the first rows, where a header may be) names a share: the only columns
    where a number format changes the value (a percent-formatted 1 is 100 %)."""
    out = set()
    for row in rows[:_HEADER_SCAN_ROWS + 2]:
        for position, cell in enumerate(row):
            if _is_share_header(cell):
                out.add(position)
    return out


def _is_percent_format(code: str) -> bool:
    """True for a number format that shows a percent (``0%``, ``0.00%``), not a quoted or escaped ``%``."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", code)


def _xls_percent(data: bytes, wanted: dict[str, set[int]]) -> dict[str, set[tuple[int, int]]]:
    """(row, column), 1-based, of the numeric percent-formatted cells in the ``wanted`` columns of each sheet of
    an Excel 97–2003 workbook.

    calamine gives no number formats for ``.xls``; xlrd (the reader pandas uses for ``.xls``) does: with
    ``formatting_info=True`` each cell has an XF record whose format string is the one Excel shows (``0%``).
    Only the sheets and columns in ``wanted`` are looked at; a workbook xlrd cannot parse gives no marks (the
    values stay as calamine read them)."""
    try:
        import xlrd
    except ImportError:  # the values stay as stored; the "≤ 1 among values > 1" check still flags them
        return {}
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    except Exception:
        return {}
    try:
        percent_xf = set()
        for position, xf in enumerate(book.xf_list):
            fmt = book.format_map.get(xf.format_key)
            if fmt is not None and _is_percent_format(fmt.format_str):
                percent_xf.add(position)
        out: dict[str, set[tuple[int, int]]] = {}
        if not percent_xf:
            return out
        names = book.sheet_names()
        for name, columns in wanted.items():
            if name not in names:
                continue
            sheet = book.sheet_by_name(name)
            cells = out.setdefault(name, set())
            for row in range(sheet.nrows):
                length = sheet.row_len(row)
                for column in columns:
                    if column < length and sheet.cell_type(row, column) == xlrd.XL_CELL_NUMBER \
                            and sheet.cell_xf_index(row, column) in percent_xf:
                        cells.add((row + 1, column + 1))
            book.unload_sheet(name)
        return out
    except Exception:
        return {}
    finally:
        book.release_resources()


#: a FORMULA record (0x0006) whose cached result is "empty" (3) or an error (2): 0xFFFF in the result's last bytes
_BIFF_SPECIAL_RESULT = re.compile(rb"\x06\x00[\x14-\xff][\x00-\xff][\x00-\xff]{6}[\x02\x03][\x00-\xff]{5}\xff\xff")
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A"}


def _xls_stream(data: bytes) -> bytes | None:
    """The BIFF ``Workbook`` stream of an OLE2 file (xlrd's compound-document reader), or None."""
    try:
        from xlrd import compdoc
    except ImportError:
        return None
    try:
        document = compdoc.CompDoc(data, logfile=io.StringIO())
        for name in ("Workbook", "Book"):
            mem, base, size = document.locate_named_stream(name)
            if mem is not None:
                return bytes(mem[base:base + size])
    except Exception:
        return None
    return None


def _xls_formula_marks(data: bytes) -> dict[str, _SheetMarks]:
    """Formulas without a stored result and formulas whose stored result is an error, per sheet of a BIFF8
    ``.xls``.

    A FORMULA record carries the last computed result (Microsoft's [MS-XLS] 2.4.127); a program that writes
    formulas without computing them (xlwt, many exporters) stores the "empty string" result, which calamine
    reads as an empty cell.  Such a cell becomes :class:`FormulaWithoutValue` (the formula's text is not decoded:
    ``""``), an error result a :class:`CellError`.  Only a workbook whose stream has such a record is walked.
    Excel stores a formula whose result is the empty string (``=IF(A2="","",A2)``) the same way: it is reported
    too — its field is empty either way, and opening and saving the file does not change it (known limit)."""
    stream = _xls_stream(data)
    if stream is None or not _BIFF_SPECIAL_RESULT.search(stream):
        return {}
    sheets: dict[int, str] = {}
    marks: dict[str, _SheetMarks] = {}
    current: _SheetMarks | None = None
    position, end = 0, len(stream)
    biff8 = False
    while position + 4 <= end:
        opcode, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        if opcode == 0x0809:  # BOF: the workbook globals, or a sheet at the offset its BOUNDSHEET gave
            if position == 0:
                biff8 = length >= 2 and struct.unpack_from("<H", stream, body)[0] == 0x0600
                if not biff8:
                    return {}  # BIFF5 and older: sheet names in a code page; formulas are not looked at
            name = sheets.get(position)
            current = marks.setdefault(name, _SheetMarks()) if name is not None else None
        elif opcode == 0x0085 and body + 8 <= end:  # BOUNDSHEET: offset, visibility, type, name
            offset, kind, count, flags = struct.unpack_from("<IxBBB", stream, body)
            width = 2 if flags & 1 else 1
            raw = stream[body + 8: body + 8 + count * width]
            if kind == 0:
                sheets[offset] = raw.decode("utf-16-le" if width == 2 else "latin-1", "replace")
        elif opcode == 0x0006 and current is not None and length >= 20:
            row, column = struct.unpack_from("<HH", stream, body)
            result = stream[body + 6: body + 14]
            if result[6:8] == b"\xff\xff":
                if result[0] == 3:
                    current.cells[(row + 1, column + 1)] = FormulaWithoutValue("")
                elif result[0] == 2:
                    current.cells[(row + 1, column + 1)] = CellError(_BIFF_ERRORS.get(result[2], "#VALUE!"))
        position = body + length
    return {name: found for name, found in marks.items() if found.cells}


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_ODS_FORMULA_CELL = re.compile(rb"<table:table-cell\b[^>]*\btable:formula=[^>]*>")


def _inspect_ods(path: str, archive: zipfile.ZipFile, limits: Limits) -> dict[str, _SheetMarks]:
    """Percent cells, formulas without a stored value and error results of an OpenDocument spreadsheet, per sheet.

    calamine reads an ``.ods`` cell's value but not its type: a ``office:value-type="percentage"`` cell holding
    1 is 100 %, a ``table:formula`` with no ``office:value-type`` was never computed, and LibreOffice marks a
    failed formula ``calcext:value-type="error"`` (OpenDocument 1.2 part 1, 19.385 and 19.642).  ``content.xml``
    is searched for these first; only a document that has one is parsed, streaming, with the standard library's
    ``iterparse`` (no DOM of the whole document, unlike odfpy).
    """
    try:
        data = archive.read("content.xml")
    except KeyError:
        return {}
    percent = b'value-type="percentage"' in data
    error = b'calcext:value-type="error"' in data
    uncached = any(b"value-type=" not in match.group(0) for match in _ODS_FORMULA_CELL.finditer(data)) \
        if b"table:formula=" in data else False
    if not (percent or error or uncached):
        return {}
    marks: dict[str, _SheetMarks] = {}
    current: _SheetMarks | None = None
    row = column = 0
    row_repeat = 1
    pending: list[tuple[int, int, object]] = []  # (column, repeat, marker or "%") of the current row
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == f"{_ODS_TABLE}table":
                    current = marks.setdefault(element.get(f"{_ODS_TABLE}name", ""), _SheetMarks())
                    row = 0
                elif tag == f"{_ODS_TABLE}table-row":
                    column, pending = 0, []
                    row_repeat = _span_count(element.get(f"{_ODS_TABLE}number-rows-repeated"), limits.max_rows)
                continue
            if tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                repeat = _span_count(element.get(f"{_ODS_TABLE}number-columns-repeated"), limits.max_columns)
                value_type = element.get(f"{_ODS_OFFICE}value-type")
                formula = element.get(f"{_ODS_TABLE}formula")
                if element.get(f"{_ODS_CALCEXT}value-type") == "error":
                    code = "".join(element.itertext()).strip().upper()
                    pending.append((column, repeat, CellError(code if code in _ERROR_CODES else "#VALUE!")))
                elif formula is not None and value_type is None:
                    pending.append((column, repeat, FormulaWithoutValue(re.sub(r"^(of|oooc|msoxl):=?", "", formula))))
                elif value_type == "percentage":
                    pending.append((column, repeat, "%"))
                column += repeat
                element.clear()
            elif tag == f"{_ODS_TABLE}table-row":
                if current is not None and pending:
                    for copy in range(min(row_repeat, limits.max_rows)):
                        for at, repeat, marker in pending:
                            for offset in range(min(repeat, limits.max_columns)):
                                key = (row + copy + 1, at + offset + 1)
                                if marker == "%":
                                    current.percent.add(key)
                                else:
                                    current.cells[key] = marker
                row += row_repeat
                element.clear()
    except ElementTree.ParseError as exc:
        raise _fail(path, f"ODS 工作簿已损坏 / the ODS workbook is damaged (content.xml: {exc}); re-save it") from None
    return {name: found for name, found in marks.items() if found.cells or found.percent}


def _span_count(value: str | None, limit: int) -> int:
    try:
        return max(1, min(int(value or 1), limit + 1))
    except ValueError:
        return 1


_XLSB_FORMATS = ("xlsb 文件的数字格式无法读取：百分比格式的 1 不会自动当作 100%，占比列中 ≤ 1 的值会被标出，请核对 / "
                 "the number formats of an .xlsb sheet cannot be read: a percent-formatted 1 is not taken as 100 %; "
                 "values ≤ 1 among values > 1 in this (%) column are flagged for checking")


# ---------------------------------------------------------------------------------------------------------
# workbooks
# ---------------------------------------------------------------------------------------------------------
_WORKBOOK_HINT = {
    ".et": "WPS 表格 .et 文件无法读取，请在 WPS 中另存为 .xlsx / a WPS .et workbook this reader cannot open; "
           "save it as .xlsx in WPS",
}


def _read_workbook(path: str, data: bytes, sheet: str | None, extra: frozenset[str], limits: Limits,
                   kind: str) -> list[RawSheet]:
    marks: dict[str, _SheetMarks] = {}
    xlsb = False
    if kind == "zip":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _fail(path, f"不是可读的工作簿 / it is not a readable XLSX workbook ({type(exc).__name__}); "
                              "re-save it from Excel or WPS") from None
        try:
            with archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    marks = _inspect_xlsx(path, archive, limits)
                else:
                    total = sum(i.file_size for i in archive.infolist())
                    if total > limits.max_bytes:
                        raise _too_big(path, "", f"解压后 {total:,} 字节 / {total:,} bytes uncompressed",
                                       f"{limits.max_bytes:,} bytes")
                    if not ({"xl/workbook.bin", "content.xml"} & names):
                        raise _fail(path, "这个 zip 文件不是工作簿 / it is a zip file but not an XLSX/ODS workbook; "
                                          "re-save it from Excel or WPS")
                    if "content.xml" in names and "xl/workbook.bin" not in names:
                        marks = _inspect_ods(path, archive, limits)
                    xlsb = "xl/workbook.bin" in names
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
            raise _fail(path, f"工作簿已损坏 / it is a damaged XLSX workbook ({type(exc).__name__}); "
                              "re-save it from Excel or WPS") from None
    elif len(data) > limits.max_bytes:
        raise _too_big(path, "", f"{len(data):,} 字节 / bytes", f"{limits.max_bytes:,} bytes")
    else:
        marks = _xls_formula_marks(data)
    try:
        import python_calamine
    except ImportError:  # openpyxl is the fallback when python-calamine is not installed
        if kind == "zip":
            return _read_xlsx_openpyxl(path, sheet, extra, marks)
        raise _fail(path, "读取 .xls 需要 python-calamine / reading .xls needs python-calamine; "
                          "pip install python-calamine") from None
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except Exception as exc:
        hint = _WORKBOOK_HINT.get(Path(path).suffix.lower())
        if hint is None and kind == "ole" and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d" in data[:1 << 16]:
            hint = "工作簿已加密，请去掉密码后另存 / the workbook is encrypted; remove the password and save it again"
        if hint is None:
            reason = (str(exc).splitlines() or [""])[0][:120]
            zh, en = ("旧版 .xls 工作簿", ".xls (Excel 97-2003) workbook") if kind == "ole" else ("工作簿", "workbook")
            hint = (f"不是可读的{zh} / it is not a readable {en} ({type(exc).__name__}: {reason}); "
                    "re-save it from Excel or WPS as .xlsx")
        raise _fail(path, hint) from None
    if sheet is not None and sheet not in names:
        raise _fail(path, f"没有工作表 {sheet!r} / it has no sheet {sheet!r}; sheets: {', '.join(names)}")
    tables = []
    for name in [sheet] if sheet is not None else names:
        try:
            loaded = workbook.get_sheet_by_name(name)
            if kind != "zip" or name not in marks:  # .xls / .xlsb / .ods: the extent calamine reports
                _check_extent(path, name, loaded.height, loaded.width, limits)
            rows = [list(r) for r in loaded.to_python(skip_empty_area=False)]
            merged = loaded.merged_cell_ranges
        except IngestError:
            raise
        except Exception as exc:
            raise _fail(path, f"工作表 {name!r} 已损坏 / sheet {name!r} is damaged ({type(exc).__name__}); "
                              "re-save the workbook") from None
        percent_columns = _percent_columns(rows) if kind == "ole" or xlsb else set()
        if percent_columns and kind == "ole":  # .xls / .et: the number formats through xlrd, these columns only
            found = _xls_percent(data, {name: percent_columns}).get(name)
            if found:
                marks.setdefault(name, _SheetMarks()).percent |= found
        _apply_marks(rows, marks.get(name))
        _fill_merged(rows, merged)
        table = _table(path, name, rows, "", extra)
        if table is not None:
            if xlsb and percent_columns:
                table.notes.extend((column, _XLSB_FORMATS) for column in table.frame.columns
                                   if _is_share_header(column))
            tables.append(table)
    return tables


def _read_xlsx_openpyxl(path: str, sheet: str | None, extra: frozenset[str],
                        marks: dict[str, _SheetMarks]) -> list[RawSheet]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise _fail(path, f"不是可读的工作簿 / it is not a readable XLSX workbook ({type(exc).__name__}: "
                          f"{str(exc)[:120]}); re-save it from Excel or WPS") from None
    except Exception as exc:
        raise _fail(path, f"工作簿已损坏 / it is a damaged XLSX workbook ({type(exc).__name__}); re-save it") from None
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            raise _fail(path, f"没有工作表 {sheet!r} / it has no sheet {sheet!r}; sheets: {', '.join(names)}")
        tables = []
        for name in [sheet] if sheet is not None else names:
            try:
                rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
            except Exception as exc:
                raise _fail(path, f"工作表 {name!r} 已损坏 / sheet {name!r} is damaged ({type(exc).__name__}); "
                                  "re-save the workbook") from None
            _apply_marks(rows, marks.get(name))
            table = _table(path, name, rows, "", extra)
            if table is not None:
                tables.append(table)
        return tables
    finally:
        workbook.close()


# ---------------------------------------------------------------------------------------------------------
# HTML tables and XML Spreadsheet 2003 (what web systems export under an .xls name)
# ---------------------------------------------------------------------------------------------------------
_CHARSET = re.compile(rb'<meta[^>]+charset\s*=\s*["\']?\s*([A-Za-z0-9_\-]+)', re.IGNORECASE)
_XML_ENCODING = re.compile(rb'<\?xml[^>]*encoding=["\']([A-Za-z0-9_\-]+)', re.IGNORECASE)


class _TableParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[object]]] = []
        self._stack: list[tuple[list[list[object]], dict[tuple[int, int], object]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append(([], {}))
        elif not self._stack:
            return
        elif tag == "tr":
            self._finish_cell()
            self._flush_row()
            self._stack[-1][0].append([])
        elif tag in ("td", "th"):
            self._finish_cell()
            if not self._stack[-1][0]:
                self._stack[-1][0].append([])
            values = dict(attrs)
            self._span = (_span(values.get("rowspan")), _span(values.get("colspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        if tag in ("td", "th", "tr"):
            self._finish_cell()
            if tag == "tr":
                self._flush_row()
        elif tag == "table":
            self._finish_cell()
            self._flush_row()
            rows, pending = self._stack.pop()
            while pending:  # rowspans below the last row
                rows.append([])
                self._stack.append((rows, pending))
                self._flush_row()
                self._stack.pop()
                if len(rows) > max((r for r, _ in pending), default=0) + 1:
                    break
            self.tables.append(rows)

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _flush_row(self) -> None:
        """Put the cells of rowspans from above at the end of the current row."""
        if not self._stack or not self._stack[-1][0]:
            return
        rows, pending = self._stack[-1]
        row_index = len(rows) - 1
        columns = sorted(c for r, c in pending if r == row_index)
        row = rows[row_index]
        for column in columns:
            if column >= len(row):
                row.extend([None] * (column - len(row)))
                row.append(pending.pop((row_index, column)))

    def _finish_cell(self) -> None:
        if self._cell is None or not self._stack:
            return
        rows, pending = self._stack[-1]
        text = re.sub(r"[ \t\r\f\v\xa0]+", " ", "".join(self._cell)).strip()
        self._cell = None
        row_index = len(rows) - 1
        row = rows[row_index]
        while (row_index, len(row)) in pending:
            row.append(pending.pop((row_index, len(row))))
        rowspan, colspan = self._span
        column = len(row)
        row.append(text or None)
        row.extend([None] * (colspan - 1))
        for extra_row in range(1, rowspan):  # a rowspan is what the reader sees in every row it spans
            pending[(row_index + extra_row, column)] = text or None
        if len(pending) > 1_000_000:
            pending.clear()


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def _markup_text(path: str, data: bytes, pattern: re.Pattern[bytes]) -> tuple[str, str]:
    head = data[:4096]
    declared = pattern.search(head)
    candidates = []
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.append("utf-8-sig")
    if declared:
        name = declared.group(1).decode("ascii").lower()
        candidates.append("gb18030" if name in ("gbk", "gb2312", "gb18030", "x-gbk", "cp936") else name)
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return _decode(data, path)


def _read_html(path: str, data: bytes, sheet: str | None, extra: frozenset[str], limits: Limits) -> list[RawSheet]:
    text, encoding = _markup_text(path, data, _CHARSET)
    parser = _TableParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:
        raise _fail(path, f"HTML 表格无法解析 / the HTML table cannot be parsed ({type(exc).__name__})") from None
    tables = []
    found = [rows for rows in parser.tables if any(any(c is not None for c in r) for r in rows)]
    for position, rows in enumerate(found, start=1):
        name = "" if len(found) == 1 else f"table{position}"
        if sheet is not None and name != sheet:
            continue
        _check_extent(path, name, len(rows), max((len(r) for r in rows), default=0), limits)
        table = _table(path, name, rows, encoding, extra)
        if table is not None:
            tables.append(table)
    if not found:
        raise _fail(path, "网页文件里没有表格 / it is a web page (HTML) without a table")
    return tables


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def _read_xml_spreadsheet(path: str, data: bytes, sheet: str | None, extra: frozenset[str],
                          limits: Limits) -> list[RawSheet]:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise _fail(path, f"XML 表格无法解析 / the XML spreadsheet cannot be parsed ({exc})") from None
    tables = []
    for worksheet in root.iter(f"{_SS}Worksheet"):
        name = worksheet.get(f"{_SS}Name", "")
        if sheet is not None and name != sheet:
            continue
        rows: list[list[object]] = []
        for row in worksheet.iter(f"{_SS}Row"):
            index = row.get(f"{_SS}Index")
            while index and index.isdigit() and len(rows) < min(int(index) - 1, limits.max_rows + 1):
                rows.append([])
            cells: list[object] = []
            for cell in row.iter(f"{_SS}Cell"):
                at = cell.get(f"{_SS}Index")
                if at and at.isdigit() and int(at) <= limits.max_columns + 1:
                    cells.extend([None] * (int(at) - 1 - len(cells)))
                node = cell.find(f"{_SS}Data")
                value: object = None
                if node is not None:
                    value = "".join(node.itertext())
                    if node.get(f"{_SS}Type") == "Number":
                        try:
                            value = float(value)
                        except ValueError:
                            pass
                cells.append(value)
            rows.append(cells)
            _check_extent(path, name, len(rows), max(len(cells), 1), limits)
        table = _table(path, name, rows, "", extra)
        if table is not None:
            tables.append(table)
    return tables


# ---------------------------------------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------------------------------------
def _kind(data: bytes) -> str:
    if data.startswith(b"PK"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192].lower():
        return "xmlss"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head")) \
            or b"<table" in head[:1024]:
        return "html"
    return "text"


def read_table(path: str | os.PathLike[str], sheet: str | None = None,
               known_headers: Iterable[str] = (), *, limits: Limits | None = None) -> list[RawSheet]:
    """Read a table file — any format and encoding a person may hand over — into its non-empty sheets.

    This is the one reader of innonet: the ingest pipeline, attendee lists and any other table go through it,
    so they all get the same encodings, title-row and multi-row-header handling and the same refusals.

    Parameters
    ----------
    path : str or path-like
        A CSV/TSV/TXT text file, an ``.xlsx .xlsm .xlsb .xls .ods .et`` workbook or an HTML / XML Spreadsheet
        table (the format is told from the content, not the suffix).  Error messages show it as given.
    sheet : str, optional
        Only this sheet of a workbook (``table2`` for the second table of an HTML file).
    known_headers : iterable of str
        Headers to count as known when looking for the header row, besides the aliases of the ingest tables
        (e.g. a mapping file's keys, or the columns an attendee list has: 姓名, 单位, 手机).
    limits : Limits, optional
        Rows, columns, cells and bytes beyond which the file is refused unread (:data:`DEFAULT_LIMITS`).

    Returns
    -------
    list of RawSheet
        Sheets with a header row and at least one data row; each lists the rows it skipped, with the reason.

    Raises
    ------
    IngestError
        The file is missing, empty, binary, in an unknown encoding, a damaged or encrypted workbook, beyond the
        limits, or has a header but no rows.  One line, Chinese and English, naming the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "attendees.xls").write_text(
    ...     '<html><meta charset="gbk"><table><tr><td>姓名</td><td>单位</td></tr>'
    ...     '<tr><td>张三</td><td>江南大学</td></tr></table></html>', encoding="gbk")
    >>> [sheet] = read_table(folder / "attendees.xls")
    >>> sheet.frame.to_dict("records"), sheet.encoding
    ([{'姓名': '张三', '单位': '江南大学'}], 'gb18030')
    """
    name = os.fspath(path)
    extra = frozenset(str(h).strip() for h in known_headers)
    limits = limits or DEFAULT_LIMITS
    file = Path(name)
    if not file.is_file():
        raise _fail(name, "文件不存在 / no such file")
    size = file.stat().st_size
    if size > limits.max_bytes:
        raise _too_big(name, "", f"{size:,} 字节 / bytes", f"{limits.max_bytes:,} bytes")
    data = file.read_bytes()
    if not data.strip():
        raise _fail(name, "文件是空的 / the file is empty")
    kind = _kind(data)
    if kind in ("zip", "ole"):
        tables = _read_workbook(name, data, sheet, extra, limits, kind)
    elif kind == "html":
        tables = _read_html(name, data, sheet, extra, limits)
    elif kind == "xmlss":
        tables = _read_xml_spreadsheet(name, data, sheet, extra, limits)
    elif file.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et"):
        raise _fail(name, f"文件名是 {file.suffix} 但内容不是工作簿 / it has an {file.suffix} name but is not a workbook "
                          "(truncated or another format)")
    else:
        if sheet is not None:
            raise _fail(name, f"CSV 文件没有工作表 / --sheet {sheet!r} was given but a CSV file has no sheets")
        tables = _read_csv(name, data, extra, limits)
    if not tables:
        raise _fail(name, "没有数据行 / it has no rows")
    with_rows = [t for t in tables if len(t.frame)]
    if not with_rows:
        headers = ", ".join(str(c) for c in tables[0].frame.columns[:5])
        raise _fail(name, f"只有表头 ({headers}) 没有数据行 / it has a header ({headers}) but no data rows")
    return with_rows


#: the older name of :func:`read_table`
read_file = read_table
