"""Normalising the values met in the bureau's files: names, amounts, dates, years, lists.

Every parser takes one raw cell (str, int, float, datetime or None) and returns
the cleaned value, ``None`` for an empty cell, or raises :class:`ValueError`
with a message that says what was expected; the pipeline turns that into a
rejection naming the file, row and field.

>>> clean_name(" 宜兴市 华通\\n环保科技（集团）有限公司 ")
'宜兴市华通环保科技(集团)有限公司'
>>> name_key("宜兴市华通环保科技（集团）有限责任公司") == name_key("宜兴市华通环保科技有限公司")
True
>>> parse_amount("1.2亿元"), parse_amount("350万元"), parse_amount("1,500,000元")
(12000.0, 350.0, 150.0)
>>> parse_date("2023年5月"), parse_date("2023.5"), parse_date("20230501"), parse_date(2023.5)
('2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01')
>>> parse_year("2021年"), parse_list("环保、水处理，膜材料; 污泥")
(2021, ['环保', '水处理', '膜材料', '污泥'])
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

from graph.text import simplified

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "clean_name",
    "clean_text",
    "clean_town",
    "date_note",
    "header_unit",
    "identity_key",
    "is_blank",
    "is_city",
    "name_key",
    "parse_action",
    "parse_amount",
    "parse_date",
    "parse_float",
    "parse_int",
    "parse_list",
    "parse_outcome",
    "parse_partial_date",
    "parse_percent",
    "parse_year",
]

MIN_YEAR, MAX_YEAR = 1900, 2100

_BLANKS = {"", "-", "--", "—", "——", "/", "无数据", "nan", "none", "null", "n/a", "na", "#n/a"}
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}()（）])\s+|\s+(?=[{_CJK}()（）])")
_WS = re.compile(r"[\s\u200b\u200c\u200d\ufeff\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")", "[": "(", "]": ")",
                           "｛": "(", "｝": ")", "{": "(", "}": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})
# suffixes and markers that do not tell two organisations apart (matched on the lower-cased NFKC key)
_SUFFIXES = re.compile(
    r"(股份有限公司|有限责任公司|集团有限公司|集团股份有限公司|有限公司|股份公司|集团公司|总公司|分公司|公司|"
    r"co\.?,?ltd\.?|co\.?limited|company limited|limited|ltd\.?|inc\.?|corp\.?|corporation|co\.?|"
    r"group|集团)$"
)
_MARKERS = re.compile(r"\((集团|股份|中国|控股)\)|\(有限公司\)")
_ST_PREFIX = re.compile(r"^(\*?st|s\*st|s)(?=[" + _CJK + "])")
_PUNCT = re.compile(r"[\s.,，。·・'\"“”‘’、]+")


def is_blank(value: Any) -> bool:
    """True for None, NaN, NaT and the dashes and words a spreadsheet uses for "no value".

    >>> is_blank(" -- "), is_blank(float("nan")), is_blank(0)
    (True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return True
        if len(text) > 6:  # every blank word is short
            return False
        return unicodedata.normalize("NFKC", text).strip().lower() in _BLANKS
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in {"NAType", "NaTType"}


def clean_text(value: Any) -> str | None:
    """NFKC (full-width → half-width), whitespace runs collapsed, stripped; None when blank.

    >>> clean_text("　ＡＢＣ  科技 ")
    'ABC 科技'
    """
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean_text(str(value))


@lru_cache(maxsize=200_000)
def _clean_text(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", _CONTROL.sub("", value)).translate(_BRACKETS)
    text = _WS.sub(" ", text).strip()
    return text or None


@lru_cache(maxsize=200_000)
def _clean_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", _CONTROL.sub("", text)).translate(_BRACKETS)
    text = _WS.sub(" ", text).strip()
    return _SPACE_NEAR_CJK.sub("", text)


def clean_name(value: Any) -> str | None:
    """The display name: full-width → half-width, brackets unified, no line breaks or spaces between Chinese.

    Latin words keep one space between them (``"Jiangsu Tongda Co., Ltd."``).
    """
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean_name(str(value)) or None


def clean_town(value: Any) -> str | None:
    """A town's name as stored: :func:`clean_name`, in Simplified characters (丁蜀鎮 → 丁蜀镇), so a town typed in
    Traditional characters is the same Town node; None when blank.

    The city itself (宜兴市, 宜兴, 无锡市宜兴市, 江苏省宜兴市: :func:`is_city`) is no town: None too, and the
    caller notes the cell (a firm in 宜兴市 gets no LOCATED_IN, no Town 宜兴市 is created).

    >>> clean_town(" 丁蜀鎮 "), clean_town("周鐵鎮"), clean_town("--"), clean_town("宜兴市"), clean_town("江苏省宜兴市")
    ('丁蜀镇', '周铁镇', None, None, None)
    """
    name = clean_name(value)
    if name is None:
        return None
    name = simplified(name)
    return None if is_city(name) else name


#: the city itself, no town of it: 宜兴市, 宜兴, 无锡市宜兴市, 江苏省宜兴市, 江苏省无锡市宜兴市 (Simplified, no spaces)
_CITY_NAME = re.compile(r"(江苏省?)?(无锡市?)?宜兴市?")


def is_city(value: Any) -> bool:
    """True for a cell naming the city of Yixing itself (宜兴市, 宜兴, 无锡市宜兴市, 江苏省宜兴市, 宜興市): no town.

    >>> is_city("宜兴市"), is_city(" 江苏省 宜兴市"), is_city("宜興"), is_city("宜兴市丁蜀镇")
    (True, True, True, False)
    """
    name = clean_name(value)
    return name is not None and _CITY_NAME.fullmatch(re.sub(r"\s+", "", simplified(name))) is not None


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """The matching key of an organisation's name: Traditional → Simplified (:func:`graph.text.simplified`), lower
    case, no punctuation, suffix variants removed.

    有限公司 / 有限责任公司 / 股份有限公司 / (集团) / Co., Ltd. … and a listed firm's ``*ST`` prefix do not
    distinguish two organisations; the display name keeps them.  Ids are built from :func:`identity_key`.

    >>> name_key("*ST 宜兴 华通 Co., Ltd.")
    '宜兴华通'
    >>> name_key("宜興市華通環保有限公司") == name_key("宜兴市华通环保有限公司")
    True
    """
    text = str(name)
    return identity_key(text if text.isascii() else simplified(text))


@lru_cache(maxsize=200_000)
def identity_key(name: str) -> str:
    """:func:`name_key` without the Traditional → Simplified fold: what ids are built from (``org:<key>`` of an
    organisation without a code, a talent's keyed id from its name and affiliation).

    Ids stay what they were before the fold was added (re-ingesting an existing store changes nothing), and two
    people whose names differ only where Traditional and Simplified meet (於 and 于 are two surnames) stay two
    people; organisations still meet through :func:`name_key`, which the matching uses.

    >>> identity_key("*ST 宜兴 华通 Co., Ltd."), identity_key("於明")
    ('宜兴华通', '於明')
    """
    key = _clean_name(str(name)).lower()
    key = _MARKERS.sub("", key)
    key = _PUNCT.sub("", key)
    key = _ST_PREFIX.sub("", key)
    for _ in range(3):  # "集团股份有限公司", "(集团)有限公司"
        stripped = _SUFFIXES.sub("", key)
        if stripped == key or not stripped:
            break
        key = stripped
    return key


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$")
_UNIT = {"亿元": 10000.0, "亿": 10000.0, "万元": 1.0, "万": 1.0, "元": 0.0001, "千元": 0.1, "百万元": 100.0}


def _number(text: str) -> float:
    text = text.replace(",", "").replace(" ", "")
    if not _NUMBER.match(text.lower()):
        raise ValueError(f"{text!r} is not a number")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def parse_float(value: Any) -> float | None:
    """A plain number; thousands separators allowed.

    >>> parse_float("1,234.5")
    1234.5
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004 - a cell value, reported as a rejection
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return float(value)
    return _number(unicodedata.normalize("NFKC", str(value)).strip())


def parse_amount(value: Any, unit: str = "万元") -> float | None:
    """An amount in 万元 (10,000 yuan).  A unit in the cell (元, 千元, 万元, 亿元) wins; a bare number is in
    ``unit`` (the unit of the column's header, 万元 when it names none).

    >>> parse_amount("３５０"), parse_amount("2亿"), parse_amount("1,500,000", unit="元")
    (350.0, 20000.0, 150.0)
    """
    if unit not in _UNIT:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(_UNIT)}")
    if is_blank(value) or isinstance(value, (int, float)):
        number = parse_float(value)
        return None if number is None else round(number * _UNIT[unit], 6)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    text = re.sub(r"^(人民币|rmb|¥|￥)", "", text, flags=re.IGNORECASE)
    for suffix in sorted(_UNIT, key=len, reverse=True):
        if text.endswith(suffix):
            return round(_number(text[: -len(suffix)]) * _UNIT[suffix], 6)
    try:
        return round(_number(text) * _UNIT[unit], 6)
    except ValueError:
        raise ValueError(f"{value!r} is not an amount; write e.g. 350, 350万元, 3500000元 or 1.2亿元") from None


def header_unit(header: str) -> str | None:
    """The money unit a header names in brackets: ``"营业总收入(元)"`` → ``"元"``.

    >>> header_unit("营业总收入（元）"), header_unit("研发投入(万元)"), header_unit("名称")
    ('元', '万元', None)
    """
    match = re.search(r"\((亿元|万元|千元|百万元|元)\)", unicodedata.normalize("NFKC", str(header)))
    return match.group(1) if match else None


def parse_percent(value: Any) -> float | None:
    """A share as a number 0–100: ``"35%"`` → 35.0; a bare fraction ≤ 1 (``0.35``) → 35.0.

    >>> parse_percent("35%"), parse_percent(0.35), parse_percent("62.5")
    (35.0, 35.0, 62.5)
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text.endswith("%"):
            number = _number(text[:-1])
        else:
            number = parse_float(text)
            if number is not None and 0 < number <= 1 and "." in text:
                number *= 100
    else:
        number = parse_float(value)
        if number is not None and 0 < number <= 1 and not float(number).is_integer():
            number *= 100
    if number is None:
        return None
    if not 0 <= number <= 100:
        raise ValueError(f"{value!r} is not a share between 0 and 100%")
    return round(number, 6)


def parse_int(value: Any) -> int | None:
    """A whole number (``"1,200"``, ``"35人"``, ``12.0``).

    >>> parse_int("35人")
    35
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        value = re.sub(r"(人|件|个|项|家|名)$", "", unicodedata.normalize("NFKC", value).strip())
    number = parse_float(value)
    if number is None:
        return None
    if not float(number).is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?(\s+[\d:.]+)?$"),
    re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*月?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})\s*年?$"),
]


def _year_month(number: float, value: Any) -> tuple[int, int, bool]:
    """A number typed as year.month (2023.5, 2022.12) → (year, month, month ambiguous).  ``2019.1`` may be
    January or October (Excel drops the 0 of 2019.10): its month is ambiguous."""
    text = repr(float(number))
    whole, _, fraction = text.partition(".")
    if "e" in text or not fraction or len(fraction) > 2:
        raise ValueError(f"{value!r} is a number, not a date; write e.g. 2023-05-01 or 2023年5月")
    year, month = int(whole), int(fraction)
    if fraction == "0":
        return year, 1, False
    if not 1 <= month <= 12:
        raise ValueError(f"{value!r} is not a year.month date (month {month})")
    return year, month, len(fraction) == 1 and month == 1


def _serial(value: dt.date) -> float:
    """The Excel serial day number a date-formatted cell holds."""
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(_EXCEL_EPOCH, dt.time())
        return delta.days + delta.seconds / 86400
    return float((value - _EXCEL_EPOCH).days)


def _check_range(year: int, value: Any, earliest: int, latest: int) -> int:
    if not earliest <= year <= latest:
        shown = value.isoformat()[:10] if isinstance(value, dt.date) else (
            f"{value:g}" if isinstance(value, float) else repr(value))
        raise ValueError(f"year {year} in {shown} is outside {earliest}-{latest}, not plausible here")
    return year


def _implausible_cell(value: dt.date, earliest: int, latest: int) -> ValueError:
    """The reason a date-formatted cell is refused: its date (1900-01-05, what a 5 typed into a date cell shows) is
    no plausible date for the field, nor is the number it holds a year or year.month."""
    return ValueError(f"the date-formatted cell shows {value:%Y-%m-%d}, not a plausible date for this field "
                      f"(years {earliest}-{latest}); write the real date, e.g. 2023-05-01")


def _number_in_date_cell(value: dt.date, earliest: int, latest: int, parse: Any) -> str:
    """A date-formatted cell showing a date before 1910 holds a small number (the year 2023 typed into it shows
    1905-07-15): read the number as a year or year.month with ``parse``; refused as an implausible date otherwise."""
    try:
        return parse(round(_serial(value), 6), earliest, latest)
    except ValueError:
        raise _implausible_cell(value, earliest, latest) from None


def parse_date(value: Any, earliest: int = MIN_YEAR, latest: int = MAX_YEAR) -> str | None:
    """An ISO date ``YYYY-MM-DD`` from 2023年5月1日, 2023/5/1, 2023-05-01, 2023.5, 20230501 or a date cell.

    A month without a day gives the 1st; a bare year gives January 1st.  A plain number is never an Excel
    serial (only a date-formatted cell is a date, and the reader gives those as datetimes): ``2023`` is a year,
    ``2023.5`` is May 2023, ``2022.12`` December 2022, ``2019.1`` the year 2019 (the month may be 1 or 10).
    A date-formatted cell whose date is before ``earliest`` (the year 2023 typed into a date column shows as
    1905-07-15) is read as the number it holds.  Years outside ``earliest``–``latest`` are rejected.

    >>> parse_date("2023/5/1"), parse_date(dt.datetime(2020, 1, 2, 8, 0)), parse_date(2022.12)
    ('2023-05-01', '2020-01-02', '2022-12-01')
    >>> parse_date(dt.datetime(1905, 7, 15), earliest=1950)
    '2023-01-01'
    """
    if is_blank(value):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        date = value.date() if isinstance(value, dt.datetime) else value
        if date.year < earliest and date.year < 1910 and date >= _EXCEL_EPOCH:
            return _number_in_date_cell(value, earliest, latest, parse_date)
        _check_range(date.year, value, earliest, latest)
        return date.isoformat()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return parse_date(value.to_pydatetime(), earliest, latest)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a date")
        if float(value).is_integer():
            number = int(value)
            if 1000 <= number <= 9999:
                return f"{_check_range(number, value, earliest, latest)}-01-01"
            if 10000000 <= number <= 99999999:
                return parse_date(str(number), earliest, latest)
            if 100000 <= number <= 999999:
                return parse_date(str(number), earliest, latest)
            raise ValueError(f"{value!r} is a number, not a date (the cell is not date-formatted); "
                             "write e.g. 2023-05-01 or 2023年5月")
        if 1000 <= value < 10000:
            year, month, _ = _year_month(value, value)
            return dt.date(_check_range(year, value, earliest, latest), month, 1).isoformat()
        raise ValueError(f"{value!r} is a number, not a date; write e.g. 2023-05-01 or 2023年5月")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            year = _check_range(int(parts["y"]), value, earliest, latest)
            month = int(parts.get("m") or 1)
            day = int(parts.get("d") or 1)
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                raise ValueError(f"{value!r} is not a valid date") from None
    raise ValueError(f"{value!r} is not a date; write e.g. 2023-05-01, 2023年5月1日, 2023/5/1 or 2023年5月")


_AMBIGUOUS_TEXT = re.compile(r"^(\d{4})\.1$")  # 2019.1 as text: a number exported from Excel (2019.10?)
_WHOLE_YEAR_TEXT = re.compile(r"^(\d{4})(\.0+)?\s*(年度?)?$")  # 2021, 2021年, 2021.0 (a CSV written by pandas)


def parse_partial_date(value: Any, earliest: int = MIN_YEAR, latest: int = MAX_YEAR) -> str | None:
    """A date as precise as the cell is: ``YYYY-MM-DD``, ``YYYY-MM`` for a month without a day, ``YYYY`` for a
    year alone — a year is not the 1st of January (the field a 成立日期 goes to).

    ``2023.5`` is May 2023 and ``2022.12`` December 2022; ``2019.1`` (a number, or that text) may be January or
    October (Excel drops the 0 of 2019.10), so it keeps the year only; ``2021.0`` is the year 2021.  A
    date-formatted cell showing 1905-07-07 holds the number 2015: the year 2015.  Otherwise as
    :func:`parse_date` (which it uses for full dates).

    >>> parse_partial_date(2019), parse_partial_date(2019.1), parse_partial_date(2023.5), parse_partial_date(2022.12)
    ('2019', '2019', '2023-05', '2022-12')
    >>> parse_partial_date("2018年6月"), parse_partial_date("2020.00"), parse_partial_date(dt.date(2016, 3, 8))
    ('2018-06', '2020', '2016-03-08')
    >>> parse_partial_date(dt.datetime(1905, 7, 7), earliest=1950)
    '2015'
    """
    if is_blank(value):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, (dt.datetime, dt.date)):
        date = value.date() if isinstance(value, dt.datetime) else value
        if date.year < earliest and date.year < 1910 and date >= _EXCEL_EPOCH:
            return _number_in_date_cell(value, earliest, latest, parse_partial_date)
        return parse_date(value, earliest, latest)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and 1000 <= value < 10000:
        if float(value).is_integer():
            return str(_check_range(int(value), value, earliest, latest))
        year, month, ambiguous = _year_month(value, value)
        _check_range(year, value, earliest, latest)
        return str(year) if ambiguous else f"{year}-{month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and float(value).is_integer() and 100000 <= value <= 999999:
        value = str(int(value))  # 202305: a month
    if isinstance(value, str):
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
        whole = _WHOLE_YEAR_TEXT.match(text) or _AMBIGUOUS_TEXT.match(text)
        if whole:
            return str(_check_range(int(whole.group(1)), value, earliest, latest))
        for pattern in _DATE_PATTERNS[1], _DATE_PATTERNS[3]:  # a month without a day
            match = pattern.match(text)
            if match:
                year, month = _check_range(int(match["y"]), value, earliest, latest), int(match["m"])
                if not 1 <= month <= 12:
                    raise ValueError(f"{value!r} is not a valid date (month {month})")
                return f"{year}-{month:02d}"
    return parse_date(value, earliest, latest)


def date_note(value: Any, earliest: int = MIN_YEAR) -> str | None:
    """What the report should say about how a date or year cell was read, or None.

    >>> date_note(2019.1)
    '月份不明确（可能是1月或10月），只取年份 2019 / month ambiguous (January or October): kept the year 2019'
    >>> date_note(2023.5) is None
    True
    """
    if isinstance(value, float) and not value.is_integer() and 1000 <= value < 10000:
        try:
            year, _, ambiguous = _year_month(value, value)
        except ValueError:
            return None
        if ambiguous:
            return (f"月份不明确（可能是1月或10月），只取年份 {year} / month ambiguous (January or October): "
                    f"kept the year {year}")
    if isinstance(value, str) and _AMBIGUOUS_TEXT.match(unicodedata.normalize("NFKC", value).strip()):
        year = int(value.strip()[:4])
        return (f"月份不明确（可能是1月或10月），只取年份 {year} / month ambiguous (January or October): "
                f"kept the year {year}")
    if isinstance(value, (dt.datetime, dt.date)) and value.year < earliest and value.year < 1910:
        number = round(_serial(value), 6)
        return (f"日期格式单元格中的 {value:%Y-%m-%d} 实为数字 {number:g}，按年份读取 / the date-formatted cell "
                f"showing {value:%Y-%m-%d} holds the number {number:g}: read as a year")
    return None


def parse_year(value: Any, earliest: int = MIN_YEAR, latest: int = MAX_YEAR) -> int | None:
    """A year from a year, a year.month number (2022.12), a date in any form :func:`parse_date` reads, or
    ``"2021年度"``; outside ``earliest``–``latest`` it is rejected.

    >>> parse_year(2019.0), parse_year("2020年度"), parse_year("2018-09-30"), parse_year(2022.12), parse_year("2021.0")
    (2019, 2020, 2018, 2022, 2021)
    """
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and 1000 <= value < 10000:
        if float(value).is_integer():
            return _check_range(int(value), value, earliest, latest)
        year, _, _ = _year_month(value, value)
        return _check_range(year, value, earliest, latest)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        match = re.fullmatch(r"(\d{4})(?:\.0+)?\s*(年度?)?", text)  # 2021.0: a year column written by pandas
        if match:
            return _check_range(int(match.group(1)), value, earliest, latest)
    date = parse_date(value, earliest, latest)
    return int(date[:4]) if date else None


_LIST_SPLIT = re.compile(r"\s*[、,，;；/|｜\n]\s*")


def parse_list(value: Any) -> list[str] | None:
    """Split a list cell on 、,，;；/ | and line breaks (and on spaces when there is no other separator
    and every part is Chinese); duplicates dropped, order kept.

    >>> parse_list("环保 水处理  膜材料"), parse_list("machine learning, 5G")
    (['环保', '水处理', '膜材料'], ['machine learning', '5G'])
    """
    if is_blank(value):
        return None
    if isinstance(value, (list, tuple)):
        parts = [clean_text(v) for v in value]
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        parts = _LIST_SPLIT.split(text)
        if len(parts) == 1 and re.search(r"\s", text):
            words = text.split()
            if all(re.search(rf"[{_CJK}]", w) for w in words):
                parts = words
        parts = [clean_text(p) for p in parts]
    seen: dict[str, None] = {}
    for part in parts:
        if part and part not in seen:
            seen[part] = None
    return list(seen) or None


_OUTCOMES = {
    "signed": "signed", "签约": "signed", "已签约": "signed", "签订": "signed", "达成合作": "signed",
    "达成": "signed", "成功": "signed",
    "follow-up": "follow-up", "follow up": "follow-up", "followup": "follow-up", "跟进": "follow-up",
    "待跟进": "follow-up", "持续跟进": "follow-up", "有意向": "follow-up", "意向": "follow-up",
    "none": "none", "无": "none", "未达成": "none", "未签约": "none", "无意向": "none", "no": "none",
}


def parse_outcome(value: Any) -> str | None:
    """A meeting outcome: signed / follow-up / none (Chinese 签约, 跟进, 未达成 … accepted).

    >>> parse_outcome("已签约"), parse_outcome("待跟进"), parse_outcome("未达成")
    ('signed', 'follow-up', 'none')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in ("", "-", "--"):
        return None
    if text in _OUTCOMES:
        return _OUTCOMES[text]
    raise ValueError(f"outcome {value!r} is not one of signed / follow-up / none (签约 / 跟进 / 未达成)")


def clear_caches() -> None:
    """Forget the memoised normalisations (:func:`name_key` and the text cleaners, up to 200,000 entries each).

    They speed up one ingest, where the same names and values repeat; :func:`ingest.pipeline.ingest_files`
    calls this when it ends, so a long-running process (the API server) does not keep them.
    """
    for cached in (_clean_text, _clean_name, name_key, identity_key):
        cached.cache_clear()


_CHINESE_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                   "九": 9}


def chinese_int(text: str) -> int | None:
    """一 … 九十九 written in Chinese numerals as an int (五 → 5, 十 → 10, 十二 → 12, 二十三 → 23); None otherwise.

    >>> chinese_int("一"), chinese_int("十"), chinese_int("十二"), chinese_int("二十"), chinese_int("十二五")
    (1, 10, 12, 20, None)
    """
    if not text or any(c not in _CHINESE_DIGITS and c != "十" for c in text) or text.count("十") > 1:
        return None
    if "十" not in text:
        return _CHINESE_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or tens in ("〇", "零"):
        return None
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[ones] if ones else 0)


def parse_action(value: Any) -> int | None:
    """The number of an action (行动) of the bureau's plan: 3, ``"3"``, ``"行动3"``, ``"行动三"``, ``"行动十二"``,
    ``"第五项"``; None when blank.

    >>> parse_action("行动一"), parse_action("行动十二"), parse_action(8.0), parse_action(" 第 五 项行动 ")
    (1, 12, 8, 5)
    """
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_int(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()
    text = re.sub(r"^(行动|action|第)+|(项|个)?(行动)?$", "", text)
    text = re.sub(r"^第", "", text)
    if text.isdigit():
        return int(text)
    number = chinese_int(text)
    if number is None:
        raise ValueError(f"{value!r} is not an action number; write 3, 行动3 or 行动三")
    return number
