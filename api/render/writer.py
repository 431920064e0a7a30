"""The ONE writer of every spreadsheet and CSV innonet produces (reports, exports, agendas, review files).

Why one writer: a firm registered as ``=HYPERLINK("http://x","点此")`` must never become a live formula in a
workbook the bureau opens, and a number must stay a number with a readable format.  The rules, applied
everywhere:

* **Formula injection** (OWASP "CSV Injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is neutralised — in XLSX it is written as text with Excel's *quote prefix* (shown
  as typed, never evaluated, still text after an edit); in CSV it gets a leading ``'``.  Numbers (also
  negative ones) are written as numbers.
* **Number formats** by column kind (:data:`FORMATS`): ``percent`` (values in percent points, 65 → 65.0%),
  ``share`` (fractions, 0.65 → 65.0%),
  ``amount`` (万元 with thousands separators and 2 decimals), ``count`` (thousands separators), ``year``
  (no decimals, no separator), ``date``, ``ratio`` (0.000), ``text``.  Unknown columns: numbers as
  ``General``, everything else as text.
* **Headers** Chinese first with English (``"企业名称 / name"``) where a label is given; the header row is
  frozen and carries an autofilter; column widths fit the text (CJK characters count double).
* Lists are joined with ``"; "``; characters XML cannot hold are removed; text is cut at 32,767 characters
  (Excel's cell limit); missing values (None, NaN, NaT) are empty cells.

Examples
--------
>>> import io, openpyxl, pandas as pd
>>> frame = pd.DataFrame({"name": ["=HYPERLINK(\\"http://x\\")", "甲"], "share": [65.0, None]})
>>> buffer = io.BytesIO()
>>> _ = write_workbook(buffer, [Sheet("企业", frame, labels={"name": "名称"}, formats={"share": "percent"})])
>>> sheet = openpyxl.load_workbook(buffer)["企业"]
>>> sheet["A1"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix, sheet["B2"].value
('名称 / name', 's', True, 65)
>>> neutralise("@SUM(A1)"), neutralise(-3), neutralise("宜兴")
("'@SUM(A1)", -3, '宜兴')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = ["FORMATS", "Sheet", "cell_text", "display_width", "neutralise", "workbook_bytes", "write_csv", "write_workbook"]

#: Number formats by column kind (Excel format codes).
FORMATS: dict[str, str] = {
    "percent": '0.0"%"',
    "share": "0.0%",
    "amount": "#,##0.00",
    "count": "#,##0",
    "year": "0",
    "ratio": "0.000",
    "date": "yyyy-mm-dd",
    "month": "yyyy-mm",
    "text": "@",
}

#: OWASP CSV-injection triggers: a text cell starting with one of these is neutralised.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_CELL = 32_767
_MAX_SHEET_NAME = 31


@dataclass
class Sheet:
    """One sheet (or one CSV file) to write.

    Parameters
    ----------
    name : str
        Sheet name (cut to Excel's 31 characters; ``[]:*?/\\`` replaced).
    frame : pandas.DataFrame
        The rows; column names are the English field names.
    labels : dict, optional
        Column → Chinese label; the header becomes ``"中文 / english"``.  Columns without one keep their name.
    formats : dict, optional
        Column → a key of :data:`FORMATS`.
    highlight : callable, optional
        ``row dict → bool``; rows it selects are shaded (e.g. the town's own row in a city-wide table).
    """

    name: str
    frame: pd.DataFrame
    labels: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    highlight: Any = None

    def headers(self) -> list[str]:
        """The header row as written."""
        return [f"{self.labels[c]} / {c}" if c in self.labels and self.labels[c] != c else str(c)
                for c in self.frame.columns]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def cell_text(value: Any) -> str:
    """``value`` as the text of a cell: lists joined with ``"; "``, XML-illegal characters removed, cut to
    32,767 characters.  Not neutralised (see :func:`neutralise`)."""
    if isinstance(value, (list, tuple, set)):
        value = "; ".join(str(v) for v in value if not _missing(v))
    text = _ILLEGAL.sub("", str(value))
    return text[:_MAX_CELL]


def _needs_quote(text: str) -> bool:
    return text.startswith(_TRIGGERS)


def neutralise(value: Any) -> Any:
    """A value safe for a CSV cell: text starting with ``= + - @``, tab or CR gets a leading ``'``.

    Numbers, booleans and missing values are returned unchanged.
    """
    if _missing(value) or isinstance(value, (bool, int, float)):
        return value
    text = cell_text(value)
    return "'" + text if _needs_quote(text) else text


def _plain(value: Any) -> Any:
    """numpy scalars → Python values; pandas timestamps → datetime."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)) and getattr(value, "ndim", 1) == 0:
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a spreadsheet cell: 2 for a wide or full-width character (Unicode
    East Asian Width W/F, e.g. 中文), 1 for the rest.

    >>> display_width("宜兴 ab")
    7
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_name(name: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "Sheet"
    clean = clean[:_MAX_SHEET_NAME]
    candidate, number = clean, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate = clean[: _MAX_SHEET_NAME - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate


def write_workbook(target: str | os.PathLike[str] | IO[bytes], sheets: Sequence[Sheet] | Mapping[str, pd.DataFrame]
                   ) -> Path | IO[bytes]:
    """Write ``sheets`` to one ``.xlsx`` workbook (xlsxwriter), applying the module's rules.

    Parameters
    ----------
    target : path or binary file object
        Where to write; a path's folder must exist.
    sheets : sequence of Sheet, or mapping sheet name → DataFrame

    Returns
    -------
    pathlib.Path or the file object given

    Raises
    ------
    OSError
        The file cannot be written (e.g. it is open in Excel on Windows).
    """
    import xlsxwriter

    if isinstance(sheets, Mapping):
        sheets = [Sheet(name, frame) for name, frame in sheets.items()]
    destination: Any = target if hasattr(target, "write") else os.fspath(target)
    # strings are never turned into formulas or URLs; NaN/inf are written as empty cells
    book = xlsxwriter.Workbook(destination, {"strings_to_formulas": False, "strings_to_urls": False,
                                             "strings_to_numbers": False, "nan_inf_to_errors": False,
                                             "in_memory": True})
    header_format = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4",
                                     "border": 1})
    quoted = book.add_format({"quote_prefix": True})
    number_formats = {key: book.add_format({"num_format": code}) for key, code in FORMATS.items()}
    shaded = book.add_format({"bg_color": "#FFF2CC"})
    used: set[str] = set()
    try:
        for spec in sheets:
            _write_sheet(book, spec, _sheet_name(spec.name, used), header_format, quoted, number_formats, shaded)
    finally:
        book.close()
    return Path(destination) if isinstance(destination, str) else target


def _write_sheet(book: Any, spec: Sheet, name: str, header_format: Any, quoted: Any,
                 number_formats: dict[str, Any], shaded: Any) -> None:
    sheet = book.add_worksheet(name)
    frame = spec.frame
    headers = spec.headers()
    widths = [min(max(display_width(h) + 2, 8), 60) for h in headers]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, header_format)
    kinds = [spec.formats.get(c) for c in frame.columns]
    for row_number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        highlight = spec.highlight is not None and spec.highlight(dict(zip(frame.columns, values, strict=True)))
        for col, raw in enumerate(values):
            value = _plain(raw)
            kind = kinds[col]
            if _missing(value):
                if highlight:
                    sheet.write_blank(row_number, col, None, shaded)
                continue
            if isinstance(value, bool):
                sheet.write_boolean(row_number, col, value)
                text = str(value)
            elif isinstance(value, (int, float)):
                if isinstance(value, float) and math.isinf(value):
                    continue
                fmt = number_formats.get(kind) if kind not in (None, "text") else None
                sheet.write_number(row_number, col, value, fmt)
                text = f"{value:,.2f}" if kind == "amount" else str(value)
            elif isinstance(value, (dt.datetime, dt.date)):
                sheet.write_datetime(row_number, col, value, number_formats.get(kind or "date"))
                text = "yyyy-mm-dd"
            else:
                text = cell_text(value)
                sheet.write_string(row_number, col, text, quoted if _needs_quote(text) else None)
            widths[col] = max(widths[col], min(display_width(text) + 2, 60))
        if highlight:
            sheet.set_row(row_number, None, shaded)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    if len(headers):
        sheet.autofilter(0, 0, max(len(frame), 1), len(headers) - 1)


def write_csv(target: str | os.PathLike[str] | IO[str], frame: pd.DataFrame,
              labels: Mapping[str, str] | None = None) -> Path | IO[str]:
    """Write ``frame`` as a CSV (UTF-8 with BOM, so Excel opens Chinese correctly), every text cell neutralised.

    Parameters
    ----------
    target : path or text file object
    frame : pandas.DataFrame
    labels : dict, optional
        Column → Chinese label, as for :class:`Sheet`.

    Examples
    --------
    >>> out = io.StringIO()
    >>> _ = write_csv(out, pd.DataFrame({"name": ["+86 电话", "甲"], "n": [-1, 2]}))
    >>> out.getvalue().splitlines()
    ['name,n', "'+86 电话,-1", '甲,2']
    """
    headers = Sheet("csv", frame, labels=labels or {}).headers()

    def rows() -> Iterable[list[Any]]:
        yield [neutralise(h) for h in headers]
        for values in frame.itertuples(index=False, name=None):
            yield ["" if _missing(v := _plain(value)) else neutralise(v) for value in values]

    if hasattr(target, "write"):
        csv.writer(target).writerows(rows())  # type: ignore[arg-type]
        return target
    path = Path(target)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows())
    return path


def workbook_bytes(sheets: Sequence[Sheet] | Mapping[str, pd.DataFrame]) -> bytes:
    """:func:`write_workbook` into memory; the ``.xlsx`` bytes."""
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()
