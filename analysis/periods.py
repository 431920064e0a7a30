"""Reporting periods (月 / 季 / 年) and the one rule for the date a record counts from.

The bureau reports by month (月报), quarter (季评) and year (年度考核).  A
:class:`Period` is one of those; :func:`counts_from` says when a node or
relationship happened, from its ``year`` and (when the file gave one) its
``date``: with a month it is that month, year-only it is that year.  Every
analysis that cuts by time calls these two, and nothing else.

The rules, in one place:

* a record happened **in** a period when the period contains its :func:`counts_from`
  period: a year-only 2025 record is in 2025 (and in 2025's year-to-date at
  year end), but in no month or quarter of 2025;
* a record had happened **by the end of** a period when its :func:`counts_from`
  period has ended by then: a year-only 2025 record is known by the end of 2025,
  not yet in a 2025-Q3 report (conservative: the data cannot say which month).

Records are placed on a month axis (``year * 12 + month - 1``) so that
frames are cut with two integer comparisons.

Examples
--------
>>> p = Period.parse("2025-Q3")
>>> str(p), p.start.isoformat(), p.end.isoformat(), p.label_zh
('2025-Q3', '2025-07-01', '2025-09-30', '2025年第三季度')
>>> str(p.previous), str(p.same_period_last_year), str(p.year_to_date)
('2025-Q2', '2024-Q3', '2025-01..2025-09')
>>> str(Period.parse("2025-11").previous), str(Period.parse("2025-01").previous)
('2025-10', '2024-12')
>>> str(counts_from(2024, "2024-05-17")), str(counts_from(2024, None)), counts_from(None, None)
('2024-05', '2024', None)
>>> Period.parse("2025-Q3").contains(counts_from(2025, "2025-08-02")), Period.parse("2025-Q3").contains(Period.year(2025))
(True, False)
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph.errors import SchemaError

__all__ = ["GRANULARITIES", "Period", "counts_from", "month_span", "parse_period"]

#: The granularities a period may have.
GRANULARITIES = ("month", "quarter", "year", "span")

_QUARTER_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}
_PATTERNS = (
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})\s*年\s*(?:第)?\s*([1-4一二三四])\s*季度?$"), "quarter"),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?$"), "month"),
    (re.compile(r"^(\d{4})\s*(?:年度?)?$"), "year"),
)
_ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2}))?")


@dataclass(frozen=True, order=True)
class Period:
    """A month, a quarter, a year or a span of months (the year-to-date), on the month axis.

    Attributes
    ----------
    first, last : int
        Months ``year * 12 + month - 1`` of the first and last month, both included.
    granularity : {"month", "quarter", "year", "span"}
    """

    first: int
    last: int
    granularity: str

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One month."""
        if not 1 <= month <= 12:
            raise SchemaError(f"month {month} is not 1-12; write e.g. 2025-11")
        index = year * 12 + month - 1
        return cls(index, index, "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """One quarter (1-4)."""
        if not 1 <= quarter <= 4:
            raise SchemaError(f"quarter {quarter} is not 1-4; write e.g. 2025-Q3")
        first = year * 12 + (quarter - 1) * 3
        return cls(first, first + 2, "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        """One calendar year."""
        return cls(year * 12, year * 12 + 11, "year")

    @classmethod
    def parse(cls, text: Any) -> Period:
        """A period from ``2025``, ``2025-Q3`` (``2025Q3``, ``2025年第三季度``), ``2025-11`` (``2025年11月``).

        >>> Period.parse("2025年第三季度") == Period.parse("2025q3"), str(Period.parse(2024))
        (True, '2024')
        """
        if isinstance(text, Period):
            return text
        if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
            return cls.year(int(text))
        value = str(text).strip()
        for pattern, kind in _PATTERNS:
            match = pattern.match(value)
            if not match:
                continue
            year = int(match.group(1))
            if kind == "year":
                return cls.year(year)
            part = match.group(2)
            number = _ZH_DIGITS[part] if part in _ZH_DIGITS else int(part)
            return cls.quarter(year, number) if kind == "quarter" else cls.month(year, number)
        raise SchemaError(f"period {text!r} is not understood; write a year (2025), a quarter (2025-Q3) "
                          "or a month (2025-11)")

    # -- what it covers -------------------------------------------------------------------------------
    @property
    def start(self) -> _dt.date:
        """First day."""
        return _dt.date(self.first // 12, self.first % 12 + 1, 1)

    @property
    def end(self) -> _dt.date:
        """Last day."""
        following = self.last + 1
        return _dt.date(following // 12, following % 12 + 1, 1) - _dt.timedelta(days=1)

    @property
    def year_number(self) -> int:
        """The calendar year of the period's last month."""
        return self.last // 12

    @property
    def months(self) -> int:
        """How many months it covers."""
        return self.last - self.first + 1

    def contains(self, other: Period | None) -> bool:
        """Whether ``other`` lies wholly inside this period (None: never)."""
        return other is not None and self.first <= other.first and other.last <= self.last

    # -- the periods a report compares with ------------------------------------------------------------
    @property
    def previous(self) -> Period:
        """The period just before, of the same length (环比)."""
        return Period(self.first - self.months, self.first - 1, self.granularity)

    @property
    def same_period_last_year(self) -> Period:
        """The same months a year earlier (同比)."""
        return Period(self.first - 12, self.last - 12, self.granularity)

    @property
    def year_to_date(self) -> Period:
        """January of the period's year to its last month (累计)."""
        first = self.year_number * 12
        return Period(first, self.last, "year" if self.last - first == 11 else "span")

    def elapsed_share(self, of: Period) -> float:
        """Share of ``of`` (e.g. a target's year) elapsed by the end of this period: the 序时进度 (0-1).

        >>> round(Period.parse("2025-Q3").elapsed_share(Period.year(2025)), 4)
        0.75
        """
        done = min(max(self.last - of.first + 1, 0), of.months)
        return done / of.months

    # -- names ----------------------------------------------------------------------------------------
    def __str__(self) -> str:
        y, m = divmod(self.first, 12)
        if self.granularity == "month":
            return f"{y}-{m + 1:02d}"
        if self.granularity == "quarter":
            return f"{y}-Q{m // 3 + 1}"
        if self.granularity == "year":
            return str(y)
        y2, m2 = divmod(self.last, 12)
        return f"{y}-{m + 1:02d}..{y2}-{m2 + 1:02d}"

    @property
    def label_zh(self) -> str:
        """``2025年11月``, ``2025年第三季度``, ``2025年度`` or ``2025年1-9月``."""
        y, m = divmod(self.first, 12)
        if self.granularity == "month":
            return f"{y}年{m + 1}月"
        if self.granularity == "quarter":
            return f"{y}年第{_QUARTER_ZH[m // 3 + 1]}季度"
        if self.granularity == "year":
            return f"{y}年度"
        y2, m2 = divmod(self.last, 12)
        return f"{y}年{m + 1}-{m2 + 1}月" if y == y2 else f"{y}年{m + 1}月-{y2}年{m2 + 1}月"


def parse_period(period: Any = None, year: int | None = None) -> Period | None:
    """The period a command asks for: ``period`` text, else the whole ``year``, else None (latest data).

    >>> str(parse_period("2025-11")), str(parse_period(year=2024)), parse_period()
    ('2025-11', '2024', None)
    """
    if period is not None and year is not None:
        asked = Period.parse(period)
        if asked.year_number != year:
            raise SchemaError(f"--period {period} and --year {year} disagree; give one of them")
        return asked
    if period is not None:
        return Period.parse(period)
    return None if year is None else Period.year(int(year))


def _year_month(year: Any, date: Any) -> tuple[int | None, int | None]:
    month = None
    if date is not None and not (isinstance(date, float) and date != date):
        if isinstance(date, (_dt.date, _dt.datetime)):
            return date.year, date.month
        text = str(date).strip()
        match = _DATE.match(text)
        bare_year = re.fullmatch(r"\d{4}\s*(年度?)?", text) is not None
        if match and match.group(2) and not bare_year and 1 <= int(match.group(2)) <= 12:
            return int(match.group(1)), int(match.group(2))
        if match and year is None:
            year = int(match.group(1))
    if year is None or (isinstance(year, float) and year != year):
        return None, month
    text = str(year).strip()
    match = _DATE.match(text)
    if not match:
        return None, None
    return int(match.group(1)), None


def counts_from(year: Any, date: Any = None) -> Period | None:
    """The period a node or relationship counts from: its month when ``date`` names one, else its ``year``.

    ``date`` is an ISO date (``2024-05-17``), a month (``2024-05``), a date text the files use
    (``2024年5月``, ``2024/5/1``) or a datetime; a bare year in ``date`` (``2024``) is a year, not
    January.  None when neither says when.

    >>> str(counts_from(2024.0, "2024年5月")), str(counts_from(None, "2023")), str(counts_from("2022年度"))
    ('2024-05', '2023', '2022')
    """
    y, m = _year_month(year, date)
    if y is None:
        return None
    return Period.month(y, m) if m is not None else Period.year(y)


def month_span(frame: pd.DataFrame, year: str = "year", date: str = "date") -> tuple[np.ndarray, np.ndarray]:
    """:func:`counts_from` over a frame's ``year`` and ``date`` columns: first and last month of each row.

    Both are float arrays on the month axis (NaN when undated); a row dated to a month has
    ``first == last``, a year-only row spans its twelve months.

    >>> frame = pd.DataFrame({"year": [2024, 2024, None], "date": ["2024-05-02", None, None]})
    >>> first, last = month_span(frame)
    >>> first.tolist()[:2], last.tolist()[:2], bool(np.isnan(first[2]))
    ([24292.0, 24288.0], [24292.0, 24299.0], True)
    """
    n = len(frame)
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    if not n:
        return first, last
    years = frame[year] if year in frame.columns else pd.Series([None] * n, index=frame.index, dtype=object)
    dates = frame[date] if date in frame.columns else pd.Series([None] * n, index=frame.index, dtype=object)
    cache: dict[tuple[Any, Any], Period | None] = {}
    for i, key in enumerate(zip(years.tolist(), dates.tolist())):
        try:
            period = cache[key]
        except KeyError:
            period = cache[key] = counts_from(*key)
        except TypeError:  # unhashable cell
            period = counts_from(*key)
        if period is not None:
            first[i], last[i] = period.first, period.last
    return first, last
