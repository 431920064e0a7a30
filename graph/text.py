"""Text folding shared by the name resolver and the ingest: Traditional Chinese → Simplified.

Names and towns typed in Traditional characters (丁蜀鎮, 宜興市…有限公司 — a file from Taiwan or Hong Kong, a
Big5 export, an input method left in Traditional mode) must meet the same records as their Simplified spelling.
:func:`simplified` is the one place that converts: :func:`graph.lookup.name_key` / :func:`graph.lookup.variant_key`
(every search box, ``innonet find``, attendee lists) and :func:`ingest.normalise.name_key` (matching and dedup keys
of the ingest) call it on their keys, :func:`ingest.fields.normalise_header` on headers (企業名稱 is 企业名称) and
:func:`ingest.normalise.clean_town` on town names (a town's canonical name is Simplified).  Display names of
organisations and people are never converted: a firm keeps the name its file gave unless a record with a canonical
name already exists, and ids are built from the unfolded key (:func:`ingest.normalise.identity_key`).

The converter is OpenCC (the ``opencc`` package, the project's own Python binding with wheels), configuration
``t2s`` (Traditional Chinese → Simplified Chinese, characters and phrases).  Measured on the shared 2-core box:
100,000 names in 0.18 s (``zhconv`` 0.45 s), the converter loads in 25 ms on first use.

Caveat (OpenCC's, kept on purpose): a few characters are both a Traditional form and a character in use in
Simplified text (於 → 于, 後 → 后): two names that differ only there get one key.  Keys only; names stay.

>>> simplified("宜興市丁蜀鎮紫砂工藝廠"), simplified("丁蜀镇"), simplified("ABC Co., Ltd.")
('宜兴市丁蜀镇紫砂工艺厂', '丁蜀镇', 'ABC Co., Ltd.')
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["simplified"]


@functools.cache
def _converter() -> Any:
    """The one OpenCC ``t2s`` converter of the process (built on first use; one object, not a cache of texts)."""
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` with Traditional Chinese characters and phrases written in Simplified Chinese (OpenCC ``t2s``).

    Text without any non-ASCII character is returned as it is, without calling the converter.  One converter
    serves the process; the web workbench's threads may call it at the same time.

    Parameters
    ----------
    text : str
        Any text; NFKC is not applied here (the callers do it first).

    Returns
    -------
    str
        The text in Simplified characters (already Simplified text comes back unchanged).

    Raises
    ------
    ImportError
        The ``opencc`` package is not installed (it is a dependency of innonet).
    """
    if text.isascii():
        return text
    return _converter().convert(text)
