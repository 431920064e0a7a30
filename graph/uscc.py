"""统一社会信用代码 (unified social credit code, USCC) utilities, after GB 32100-2015.

An 18-character code: 1 registering authority, 1 entity type, 6 admin division
(320282 = 宜兴市), 9 organisation code, 1 check digit (mod 31 over the 31
characters ``0123456789ABCDEFGHJKLMNPQRTUWXY``; I, O, Z, S, V are never used).

>>> code = with_check_digit("91320282MA1XXXXX0")
>>> is_valid(code)
True
>>> decode(code)["division"]
'320282'
>>> decode(code)["division_name"]
'江苏省无锡市宜兴市'
>>> normalise(" ９１３２０２８２ma1xxxxx0" + code[-1] + " ") == code
True
"""

from __future__ import annotations

import re
import unicodedata

from graph.errors import InvalidUSCCError

__all__ = [
    "ALPHABET",
    "YIXING_DIVISION",
    "check_digit",
    "decode",
    "is_valid",
    "location",
    "normalise",
    "validate",
    "with_check_digit",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
YIXING_DIVISION = "320282"

_AUTHORITIES = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                     "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地(大陆)代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商(市场监管)", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {}),
}

# The divisions a Yixing deployment meets most; others decode to their code only.
_DIVISIONS = {
    "320000": "江苏省",
    "320200": "江苏省无锡市",
    "320201": "江苏省无锡市市辖区",
    "320205": "江苏省无锡市锡山区",
    "320206": "江苏省无锡市惠山区",
    "320211": "江苏省无锡市滨湖区",
    "320213": "江苏省无锡市梁溪区",
    "320214": "江苏省无锡市新吴区",
    "320281": "江苏省无锡市江阴市",
    "320282": "江苏省无锡市宜兴市",
    "320100": "江苏省南京市",
    "320500": "江苏省苏州市",
    "320400": "江苏省常州市",
    "310000": "上海市",
    "110000": "北京市",
    "100000": "中华人民共和国",
}

_PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区",
    "82": "澳门特别行政区", "10": "中华人民共和国",
}

_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalise(code: object) -> str:
    """Upper-case, full-width → half-width, drop spaces, hyphens and zero-width characters.

    >>> normalise("９１３２ ０２８２-ma")
    '91320282MA'
    """
    text = unicodedata.normalize("NFKC", str(code))
    return re.sub(r"[\s\-\u200b\u200c\u200d\ufeff]+", "", text).upper()


def check_digit(first17: str) -> str:
    """The check character for the first 17 characters of a USCC.

    >>> check_digit("91320282MA1XXXXX0") in ALPHABET
    True
    """
    body = normalise(first17)
    if len(body) != 17:
        raise InvalidUSCCError(f"need the first 17 characters of a USCC, got {len(body)} in {first17!r}")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(body, _WEIGHTS))
    except KeyError as exc:
        raise InvalidUSCCError(
            f"character {exc.args[0]!r} in {first17!r} is not allowed in a USCC (I, O, Z, S, V never are)"
        ) from None
    return ALPHABET[(31 - total % 31) % 31]


def with_check_digit(first17: str) -> str:
    """Complete 17 characters into a valid 18-character USCC."""
    body = normalise(first17)
    return body + check_digit(body)


def validate(code: object) -> str:
    """Return the normalised code, or raise :class:`InvalidUSCCError` saying what is wrong.

    >>> validate("91320282MA1XXXXX01")
    Traceback (most recent call last):
    ...
    graph.errors.InvalidUSCCError: USCC '91320282MA1XXXXX01': check digit is '1', expected 'U'
    """
    text = normalise(code)
    if len(text) != 18:
        raise InvalidUSCCError(f"USCC {code!r}: has {len(text)} characters, needs 18")
    bad = [c for c in text if c not in _VALUE]
    if bad:
        raise InvalidUSCCError(
            f"USCC {code!r}: character {bad[0]!r} is not allowed (I, O, Z, S, V and symbols never are)"
        )
    if not _SHAPE.match(text):
        raise InvalidUSCCError(f"USCC {code!r}: characters 3-8 must be the 6-digit admin division code")
    if text[0] not in _AUTHORITIES:
        raise InvalidUSCCError(f"USCC {code!r}: {text[0]!r} is not a registering authority code")
    expected = check_digit(text[:17])
    if text[17] != expected:
        raise InvalidUSCCError(f"USCC {code!r}: check digit is {text[17]!r}, expected {expected!r}")
    return text


def is_valid(code: object) -> bool:
    """True when ``code`` is a well-formed USCC with the right check digit."""
    try:
        validate(code)
    except InvalidUSCCError:
        return False
    return True


def decode(code: object) -> dict[str, str]:
    """Split a valid USCC into its parts, with Chinese names where known.

    Keys: ``code``, ``authority``, ``authority_name``, ``entity_type``,
    ``entity_type_name``, ``division``, ``division_name``, ``province``,
    ``organisation_code``, ``check_digit``, ``is_yixing`` ("yes"/"no").
    """
    text = validate(code)
    authority_name, types = _AUTHORITIES[text[0]]
    division = text[2:8]
    division_name = _DIVISIONS.get(division) or _DIVISIONS.get(division[:4] + "00") or ""
    return {
        "code": text,
        "authority": text[0],
        "authority_name": authority_name,
        "entity_type": text[1],
        "entity_type_name": types.get(text[1], "其他"),
        "division": division,
        "division_name": division_name,
        "province": _PROVINCES.get(division[:2], ""),
        "organisation_code": text[8:17],
        "check_digit": text[17],
        "is_yixing": "yes" if division == YIXING_DIVISION else "no",
    }


def location(code: object) -> dict[str, str]:
    """``country``, ``province``, ``city`` and ``prefecture`` of the registering division of a USCC.

    The country is ``CN`` for every valid code; the province comes from the division's first two
    digits; the city is the most specific 市 / 县 of the division (县级市 such as 宜兴市) and the
    prefecture the 地级市 above it (无锡市), where the division is known; unknown parts and an invalid
    code give empty strings.

    >>> location(with_check_digit("91320282MA1XXXXX0"))
    {'country': 'CN', 'province': '江苏省', 'city': '宜兴市', 'prefecture': '无锡市'}
    >>> location("not a code")["country"]
    ''
    """
    if not is_valid(code):
        return {"country": "", "province": "", "city": "", "prefecture": ""}
    parts = decode(code)
    province = parts["province"] if parts["province"] != "中华人民共和国" else ""
    rest = parts["division_name"].removeprefix(province)
    cities = [c for c in re.findall(r"[^省市区县]+[市县]", rest) if not c.endswith("市辖区")]
    return {"country": "CN", "province": province, "city": cities[-1] if cities else "",
            "prefecture": cities[0] if len(cities) > 1 else ""}
