"""Reading the bureau's CSV and XLSX files into raw sheets.

CSV text is decoded as UTF-8 (with or without BOM), UTF-16 with a BOM, or
GB18030 (a superset of GBK and GB2312), tried in that order and always
strictly: a file that is none of them is an error, never mojibake.  The
delimiter is the one of ``, ; tab |`` the header line uses most.  XLSX files
are read with python-calamine (fast, Rust) or, when it is missing, openpyxl (cached values, never formulas); every sheet is read
unless ``sheet`` names one.

The header row is the first of the first ten rows in which at least two
cells are known headers (so a title line above the table is skipped); when
no row qualifies the first non-empty row is the header.  Any file that cannot
be read at all raises :class:`graph.errors.IngestError` naming the file.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = path.write_bytes("2023年名单\\n企业名称,统一社会信用代码\\n甲公司,\\n".encode("gb18030"))
>>> [(s.sheet, s.header_row, list(s.frame.columns), s.encoding) for s in read_file(path)]
[('', 2, ['企业名称', '统一社会信用代码'], 'gb18030')]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph.errors import IngestError
from ingest.fields import TABLES, field_for_header

__all__ = ["MAX_CELL_CHARS", "RawSheet", "read_file"]

#: longer cells are cut (and the row is still read); protects memory and the report
MAX_CELL_CHARS = 32_767
_HEADER_SCAN_ROWS = 10


@dataclass
class RawSheet:
    """One table read from a file.

    Attributes
    ----------
    path : str
        The file, as given.
    sheet : str
        The sheet name ("" for CSV).
    frame : pandas.DataFrame
        Object columns named by the header cells as written; cells are str, int, float, datetime or None.
    header_row : int
        The spreadsheet row number of the header (1 = first row); data row ``i`` of ``frame`` is row
        ``header_row + 1 + i`` as the user sees it.
    encoding : str
        The encoding a CSV was read with ("" for XLSX).
    """

    path: str
    sheet: str
    frame: pd.DataFrame
    header_row: int
    encoding: str = ""
    row_numbers: list[int] = field(default_factory=list)


def _fail(path: str | os.PathLike[str], reason: str) -> IngestError:
    return IngestError(f"cannot read {os.fspath(path)!r}: {reason}")


def _decode(data: bytes, path: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _fail(path, "it starts with a UTF-16 byte-order mark but is not valid UTF-16") from None
    if data.count(b"\x00") > len(data) // 100:
        raise _fail(path, "it is a binary file, not CSV text or an XLSX workbook")
    data = data.replace(b"\x00", b"")  # a stray NUL in a cell
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _fail(path, "it is neither UTF-8 nor GB18030/GBK text; save it as UTF-8 CSV or as XLSX")


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return True
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t")
    return controls <= len(sample) // 100


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _known_count(cells: list[object], extra: frozenset[str] = frozenset()) -> int:
    hits = 0
    for cell in cells:
        if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == "":
            continue
        if str(cell).strip() in extra or any(field_for_header(cell, table) for table in TABLES):
            hits += 1
    return hits


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or (isinstance(cell, str) and not cell.strip())


def _table(path: str, sheet: str, rows: list[list[object]], encoding: str,
           extra: frozenset[str] = frozenset()) -> RawSheet | None:
    """Pick the header row and build the frame; None when the sheet has no non-empty row."""
    cells = [_cells(row) for row in rows]
    non_empty = [i for i, row in enumerate(cells) if any(c is not None for c in row)]
    if not non_empty:
        return None
    header_index = next(
        (i for i in non_empty[:_HEADER_SCAN_ROWS] if _known_count(rows[i], extra) >= 2), non_empty[0]
    )
    header = rows[header_index]
    width = max(len(r) for r in rows[header_index:])
    names: list[str] = []
    for position in range(width):
        cell = header[position] if position < len(header) else None
        name = "" if _blank(cell) else str(cell).strip()
        if isinstance(cell, float) and cell.is_integer():
            name = str(int(cell))
        name = name or f"column{position + 1}"
        while name in names:
            name += "_"
        names.append(name)
    body = cells[header_index + 1 :]
    keep = [i for i, row in enumerate(body) if any(c is not None for c in row)]
    data = [body[i] + [None] * (width - len(body[i])) if len(body[i]) < width else body[i] for i in keep]
    frame = pd.DataFrame(data, columns=names, dtype=object) if data else pd.DataFrame(columns=names, dtype=object)
    # keep only columns with a header or a value
    drop = [n for n in names if n.startswith("column") and frame[n].map(_blank).all()] if len(frame) else []
    frame = frame.drop(columns=drop)
    header_row = header_index + 1
    row_numbers = [header_row + 1 + i for i in keep]
    return RawSheet(path, sheet, frame, header_row, encoding, row_numbers)


def _cells(row: Iterable[object]) -> list[object]:
    """``[_cell(c) for c in row]`` with the common cells (a short non-blank text, an int, a number) kept inline:
    a text whose first character is not a space is not blank."""
    return [
        c if ((k := c.__class__) is str and c and not c[0].isspace() and len(c) <= MAX_CELL_CHARS)
        or k is int or (k is float and c == c) else _cell(c)
        for c in row
    ]


def _cell(value: object) -> object:
    if isinstance(value, str):
        if not value.strip():
            return None
        return value[:MAX_CELL_CHARS]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def _read_csv(path: str, data: bytes, extra: frozenset[str]) -> list[RawSheet]:
    text, encoding = _decode(data, path)
    if not _looks_like_text(text):
        raise _fail(path, "it is a binary file, not CSV text or an XLSX workbook")
    delimiter = _delimiter(text)
    try:
        csv.field_size_limit(max(MAX_CELL_CHARS * 64, 1 << 20))
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise _fail(path, f"malformed CSV ({exc})") from None
    table = _table(path, "", rows, encoding, extra)
    return [table] if table is not None else []


def _read_xlsx(path: str, sheet: str | None, extra: frozenset[str]) -> list[RawSheet]:
    try:
        import python_calamine
    except ImportError:  # openpyxl is the fallback when python-calamine is not installed
        return _read_xlsx_openpyxl(path, sheet, extra)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(path)
        names = list(workbook.sheet_names)
    except Exception as exc:
        reason = (str(exc).splitlines() or [""])[0][:120]
        raise _fail(path, f"it is not a readable XLSX workbook ({type(exc).__name__}: {reason}); "
                          "re-save it from Excel or WPS") from None
    if sheet is not None and sheet not in names:
        raise _fail(path, f"it has no sheet {sheet!r}; sheets: {', '.join(names)}")
    tables = []
    for name in [sheet] if sheet is not None else names:
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise _fail(path, f"sheet {name!r} is damaged ({type(exc).__name__}); re-save the workbook") from None
        table = _table(path, name, [list(r) for r in rows], "", extra)
        if table is not None:
            tables.append(table)
    return tables


def _read_xlsx_openpyxl(path: str, sheet: str | None, extra: frozenset[str]) -> list[RawSheet]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise _fail(path, f"it is not a readable XLSX workbook ({type(exc).__name__}: {str(exc)[:120]}); "
                          "re-save it from Excel or WPS") from None
    except Exception as exc:
        raise _fail(path, f"it is a damaged XLSX workbook ({type(exc).__name__}); re-save it") from None
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            raise _fail(path, f"it has no sheet {sheet!r}; sheets: {', '.join(names)}")
        tables = []
        for name in [sheet] if sheet is not None else names:
            try:
                rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
            except Exception as exc:
                raise _fail(path, f"sheet {name!r} is damaged ({type(exc).__name__}); re-save the workbook") from None
            table = _table(path, name, rows, "", extra)
            if table is not None:
                tables.append(table)
        return tables
    finally:
        workbook.close()


def read_file(path: str | os.PathLike[str], sheet: str | None = None,
              known_headers: Iterable[str] = ()) -> list[RawSheet]:
    """Read a CSV or XLSX file into its non-empty sheets.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` / ``.txt`` / ``.tsv`` text file or an ``.xlsx`` / ``.xlsm`` workbook (detected from the
        content, not only the suffix).
    sheet : str, optional
        Only this sheet of a workbook.
    known_headers : iterable of str
        Headers to count as known when looking for the header row (e.g. a mapping file's keys).

    Returns
    -------
    list of RawSheet
        Sheets with a header row and at least one data row.

    Raises
    ------
    IngestError
        The file is missing, empty, binary, in an unknown encoding, a damaged workbook, an old ``.xls``,
        or has a header but no rows.
    """
    name = os.fspath(path)
    extra = frozenset(str(h).strip() for h in known_headers)
    file = Path(name)
    if not file.is_file():
        raise _fail(name, "no such file")
    data = file.read_bytes()
    if not data.strip():
        raise _fail(name, "the file is empty")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(name, "it is an old .xls (or encrypted) workbook; save it as .xlsx or CSV")
    if data.startswith(b"PK"):
        tables = _read_xlsx(name, sheet, extra)
    elif file.suffix.lower() in (".xlsx", ".xlsm"):
        raise _fail(name, "it has an .xlsx name but is not a workbook (truncated or another format)")
    else:
        if sheet is not None:
            raise _fail(name, f"--sheet {sheet!r} was given but a CSV file has no sheets")
        tables = _read_csv(name, data, extra)
    if not tables:
        raise _fail(name, "it has no rows")
    with_rows = [t for t in tables if len(t.frame)]
    if not with_rows:
        headers = ", ".join(str(c) for c in tables[0].frame.columns[:5])
        raise _fail(name, f"it has a header ({headers}) but no data rows")
    return with_rows

