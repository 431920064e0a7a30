"""Reasons in Chinese and English: every rejection, hold and note the ingest reports reads ``中文 / English``.

The parsers and handlers say what went wrong in English (their messages name the value and what to write
instead); :func:`bilingual` puts the Chinese for the kind of problem in front, so the analyst who reads the
report in Chinese and the terminal user who reads English see the same reason.

>>> bilingual("name is required and missing")
'缺少必填项 / name is required and missing'
>>> bilingual("已是双语 / already bilingual")
'已是双语 / already bilingual'
"""

from __future__ import annotations

import re

__all__ = ["bilingual"]

_ZH: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.IGNORECASE), zh) for p, zh in [
    (r"required and missing|is empty$", "缺少必填项"),
    (r"check digit|USCC|credit code|18 characters|admin division", "统一社会信用代码无效"),
    (r"is negative", "不能为负数"),
    (r"error value|#DIV/0!|#N/A|#REF!|#VALUE!", "单元格为错误值（公式出错）"),
    (r"is a number, not a date", "是数字而非日期（单元格不是日期格式）"),
    (r"not a plausible date", "日期不合理（超出该字段的合理范围）"),
    (r"outside .*plausible|outside \d{4}-\d{4}", "年份超出合理范围"),
    (r"not a valid date|is not a date", "不是有效日期"),
    (r"not a year|needs the year", "不是有效年份"),
    (r"not a share", "占比应在 0–100% 之间"),
    (r"not a whole number", "应为整数"),
    (r"not an amount|not a number|not a finite number", "不是有效数值"),
    (r"matches several", "匹配到多条记录，请填写统一社会信用代码"),
    (r"held for review", "待人工审核"),
    (r"no .* with id, USCC or name|no record with USCC", "找不到该单位，请先导入名录"),
    (r"is already a|cannot also be", "编号已属于另一类主体"),
    (r"here a .* is needed", "主体类型不符"),
    (r"kind .* is not one of", "主体类型无法识别"),
    (r"relationship type|tiers table", "关系类型无法识别"),
    (r"outcome", "对接结果无法识别"),
    (r"tier", "梯次无法识别"),
    (r"学校标识码|moe", "学校标识码应为10位数字"),
    (r"one USCC identifies|disagree", "标识冲突"),
    (r"nothing left to identify", "名称无法识别"),
    (r"meeting|partner", "对接记录不完整"),
]]


def bilingual(reason: str) -> str:
    """``"中文 / English"`` for an English reason (unchanged when it already has Chinese in front)."""
    if " / " in reason and re.match(r"^[^a-zA-Z]*[\u4e00-\u9fff]", reason):
        return reason
    for pattern, zh in _ZH:
        if pattern.search(reason):
            return f"{zh} / {reason}"
    return f"数据无效 / {reason}"
