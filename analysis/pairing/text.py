"""Text helpers of pairing: keyword phrases to tokens, place names, years."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from graph.projection import start_year, year_of

__all__: list[str] = []  # helpers for the other pairing modules

_CJK_OR_WORD = re.compile(r"[a-z0-9][a-z0-9+#.\-]*|[\u3400-\u9fff]+")
_PLACE_SUFFIX = re.compile(r"(特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市|地区|自治州|盟)$")


def _phrase_tokens(phrases: Iterable[str]) -> list[str]:
    """Tokens of a list of keyword phrases: each whole phrase, its Latin words, its Chinese bigrams.

    >>> _phrase_tokens(["膜材料", "AI芯片"])
    ['膜材料', '膜材', '材料', 'ai芯片', 'ai', '芯片']
    """
    tokens: list[str] = []
    for phrase in phrases:
        text = unicodedata.normalize("NFKC", str(phrase)).lower().strip()
        if not text:
            continue
        tokens.append(text)
        for run in _CJK_OR_WORD.findall(text):
            if run.isascii() or len(run) == 1:
                if run != text:
                    tokens.append(run)
            else:
                bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
                tokens.extend(b for b in bigrams if b != text)
    return tokens


def _place(value: Any) -> str | None:
    """Normalised place name: NFKC, no 省/市/自治区 suffix.

    >>> _place("江苏省"), _place("无锡市"), _place(None)
    ('江苏', '无锡', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    return _PLACE_SUFFIX.sub("", text) or text


_CHINA = {"CN", "CHN", "CHINA", "PRC", "中国", "中华人民共和国", "中国大陆"}


def _country(value: Any) -> str | None:
    """Country as an upper-case code (China in any spelling → ``CN``); None when missing.

    >>> _country(" cn"), _country("中国"), _country("UK"), _country(None)
    ('CN', 'CN', 'UK', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = unicodedata.normalize("NFKC", value).strip().upper()
    return "CN" if text in _CHINA else text


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, str) and v.strip()]
    if isinstance(value, str) and value.strip():
        return [p for p in re.split(r"[;；,，、/|]+", value) if p.strip()]
    return []


def _year(value: Any) -> float:
    """:func:`graph.projection.year_of` as a float (NaN unknown), for numpy arrays."""
    found = year_of(value)
    return float(found) if found is not None else math.nan


def _start(year: Any, founded: Any, date: Any = None) -> float:
    """A node's start year as a float (NaN unknown): :func:`graph.projection.start_year`, the one rule."""
    found = start_year({"year": year, "date": date, "founded": founded})
    return float(found) if found is not None else math.nan

