"""The graph model: node kinds, relationship types and their properties, in one place.

Stores, ingest and the API validate against this module. Nothing else in the
project lists kinds, types or properties.

Examples
--------
>>> KINDS["Enterprise"].properties["revenue"].unit
'万元'
>>> "COLLABORATES_WITH" in RELATIONSHIP_TYPES
True
>>> tier_rank("高新技术企业")
2
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from graph.errors import SchemaError

__all__ = [
    "CONTEXT_KINDS",
    "CORE_KINDS",
    "HIGH_TECH_CERTIFICATE_YEARS",
    "KINDS",
    "MEETING_OUTCOMES",
    "ORGANISATION_KINDS",
    "RELATIONSHIP_TYPES",
    "TIERS",
    "TIER_ALIASES",
    "UNIVERSITY_CATEGORIES",
    "NodeKind",
    "Property",
    "RelationshipType",
    "canonical_tier",
    "check_kind",
    "check_type",
    "clean_properties",
    "markdown_tables",
    "tier_id",
    "tier_rank",
]

#: Python types a scalar property may hold (``list`` is a list of strings, checked item by item).
_PY_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


@dataclass(frozen=True)
class Property:
    """One property of a node kind or relationship type.

    Parameters
    ----------
    type : {"str", "int", "float", "bool", "list"}
        The value type; ``list`` means a list of strings.
    description : str
        What it holds, in Chinese and English.
    unit : str, optional
        The unit, e.g. ``"万元"`` (10,000 yuan) or ``"%"``.
    required : bool
        Whether every record must carry it.
    """

    type: str
    description: str
    unit: str = ""
    required: bool = False


@dataclass(frozen=True)
class NodeKind:
    """A node label with its properties."""

    name: str
    label_zh: str
    description: str
    properties: dict[str, Property]
    core: bool = False


@dataclass(frozen=True)
class RelationshipType:
    """A relationship type, the kinds it may connect, and its properties."""

    name: str
    label_zh: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    properties: dict[str, Property] = field(default_factory=dict)


def _p(type_: str, description: str, unit: str = "", required: bool = False) -> Property:
    return Property(type_, description, unit, required)


_NAME = _p("str", "名称 / name", required=True)
_USCC = _p("str", "统一社会信用代码 / unified social credit code (GB 32100-2015)")
_ALIASES = _p("list", "曾用名与别名 / former names and name variants seen at ingest")
_KEYWORDS = _p("list", "技术领域、主营产品或研究方向 / technical fields, products or research strengths")
_TOWN = _p("str", "所属镇(街道、园区) / town, street or park")
_COUNTRY = _p("str", "国家或地区 (ISO 两位代码, CN; 中国企业缺省时取自统一社会信用代码) / country code")
_PROVINCE = _p("str", "所在省份 (缺省时取自统一社会信用代码的行政区划) / province")
_CITY = _p("str", "所在城市 (缺省时取自统一社会信用代码的行政区划) / city")
_SOURCE = _p("str", "数据来源 / source file or system")

KINDS: dict[str, NodeKind] = {
    "Enterprise": NodeKind(
        "Enterprise",
        "企业",
        "A firm registered in the city / 企业",
        {
            "name": _NAME,
            "uscc": _USCC,
            "aliases": _ALIASES,
            "town": _TOWN,
            "country": _COUNTRY,
            "province": _PROVINCE,
            "city": _CITY,
            "industry": _p("str", "所属行业 / industry"),
            "founded": _p("str", "成立日期 / founding date (ISO 8601)"),
            "revenue": _p("float", "营业收入 / revenue", "万元"),
            "rd_spend": _p("float", "研发投入 / R&D spending", "万元"),
            "hightech_revenue_share": _p(
                "float", "高新技术产品(服务)收入占比 / high-tech product revenue share", "%"
            ),
            "employees": _p("int", "职工总数 / employees", "人"),
            "st_staff": _p("int", "科技人员数 / S&T staff", "人"),
            "patents": _p("int", "有效专利数 / valid patents", "件"),
            "invention_patents": _p("int", "发明专利数 / invention patents", "件"),
            "keywords": _KEYWORDS,
            "tier": _p("str", "当前最高梯次 / current highest tier (derived from tier history)"),
            "tier_year": _p("int", "达到当前梯次的年份 / year the current tier was reached", "年"),
            "data_source": _SOURCE,
        },
        core=True,
    ),
    "University": NodeKind(
        "University",
        "高校院所",
        "A university or research institute / 高校与科研院所 (category tells which)",
        {
            "name": _NAME,
            "category": _p("str", "类别: 高校 / 科研院所 / category: university or institute"),
            "uscc": _USCC,
            "moe_code": _p("str", "学校标识码 (10 digits, Ministry of Education)"),
            "aliases": _ALIASES,
            "country": _COUNTRY,
            "province": _PROVINCE,
            "city": _CITY,
            "town": _TOWN,
            "level": _p("str", "层次 (双一流, 985, 211, 省属…) / standing"),
            "keywords": _KEYWORDS,
            "founded": _p("str", "成立日期 / founding date (ISO 8601)"),
            "data_source": _SOURCE,
        },
        core=True,
    ),
    "Talent": NodeKind(
        "Talent",
        "人才",
        "A person: expert, researcher or entrepreneur. Keep personal data minimal; never ID numbers.",
        {
            "name": _NAME,
            "affiliation": _p("str", "工作单位 / affiliation (name as given)"),
            "field": _p("str", "专业领域 / field"),
            "title": _p("str", "职称 / professional title"),
            "keywords": _KEYWORDS,
            "programs": _p("list", "入选人才计划 / talent programmes"),
            "email": _p("str", "电子邮箱 / e-mail (masked for viewers)"),
            "phone": _p("str", "联系电话 / phone (masked for viewers)"),
            "data_source": _SOURCE,
        },
        core=True,
    ),
    "Fund": NodeKind(
        "Fund",
        "基金",
        "An investment fund / 投资基金",
        {
            "name": _NAME,
            "uscc": _USCC,
            "aliases": _ALIASES,
            "manager": _p("str", "管理人 / fund manager"),
            "country": _COUNTRY,
            "province": _PROVINCE,
            "city": _CITY,
            "fund_type": _p("str", "类型: 政府引导基金 / 产业基金 / 创投 / type"),
            "size": _p("float", "规模 / fund size", "万元"),
            "focus": _p("list", "投资方向 / focus industries"),
            "founded": _p("str", "成立日期 / founding date (ISO 8601)"),
            "data_source": _SOURCE,
        },
        core=True,
    ),
    "ServiceAgency": NodeKind(
        "ServiceAgency",
        "服务机构",
        "A third-party service agency / 第三方科技服务机构",
        {
            "name": _NAME,
            "uscc": _USCC,
            "aliases": _ALIASES,
            "town": _TOWN,
            "country": _COUNTRY,
            "province": _PROVINCE,
            "city": _CITY,
            "service_types": _p(
                "list", "服务类型: 知识产权 / 科技咨询 / 技术转移 / 检验检测 / 财税管理 / service types"
            ),
            "founded": _p("str", "成立日期 / founding date (ISO 8601)"),
            "data_source": _SOURCE,
        },
        core=True,
    ),
    "Town": NodeKind(
        "Town",
        "镇街园区",
        "A town, street or park / 镇、街道、园区",
        {"name": _NAME, "town_type": _p("str", "镇 / 街道 / 园区"), "data_source": _SOURCE},
    ),
    "Industry": NodeKind(
        "Industry",
        "产业",
        "An industry or industrial chain / 产业、产业链",
        {"name": _NAME, "chain": _p("str", "产业链 / industrial chain"), "data_source": _SOURCE},
    ),
    "Platform": NodeKind(
        "Platform",
        "研发平台",
        "An R&D institution or innovation platform / 研发机构、创新平台",
        {
            "name": _NAME,
            "platform_type": _p("str", "类型: 工程技术研究中心 / 企业技术中心 / 重点实验室 / 新型研发机构…"),
            "level": _p("str", "级别: 市级 / 无锡市级 / 省级 / 国家级"),
            "year": _p("int", "认定年份 / year recognised", "年"),
            "date": _p("str", "认定日期 / date recognised (ISO 8601; YYYY-MM when only the month is known)"),
            "data_source": _SOURCE,
        },
    ),
    "Project": NodeKind(
        "Project",
        "项目",
        "A research or development project / 研发计划、攻关项目",
        {
            "name": _NAME,
            "program": _p("str", "计划名称, e.g. 陶都之光 / programme"),
            "level": _p("str", "级别: 国家 / 省 / 无锡市 / 宜兴市"),
            "year": _p("int", "立项年份 / year started", "年"),
            "date": _p("str", "立项日期 / date started (ISO 8601; YYYY-MM when only the month is known)"),
            "budget": _p("float", "经费 / budget", "万元"),
            "data_source": _SOURCE,
        },
    ),
    "Program": NodeKind(
        "Program",
        "人才计划",
        "A talent programme / 人才计划 (省双创计划, 太湖人才计划, 陶都英才计划, 科技副总, 科技镇长团)",
        {"name": _NAME, "level": _p("str", "级别 / level"), "data_source": _SOURCE},
    ),
    "Department": NodeKind(
        "Department",
        "部门",
        "A government liaison / 市领导挂钩、部门结对、百企引航",
        {"name": _NAME, "data_source": _SOURCE},
    ),
    "Event": NodeKind(
        "Event",
        "活动",
        "An event: 对接会, training, 招商活动",
        {
            "name": _NAME,
            "date": _p("str", "日期 / date (ISO 8601)"),
            "year": _p("int", "年份 / year", "年"),
            "event_type": _p("str", "类型: 产学研对接会 / 培训 / 招商活动"),
            "town": _TOWN,
            "data_source": _SOURCE,
        },
    ),
    "Target": NodeKind(
        "Target",
        "目标任务",
        "One row of the bureau's 目标任务分解: a place's target for an indicator in a year or quarter",
        {
            "name": _NAME,
            "town": _p("str", "镇街园区, 全市 for the city / town, or 全市", required=True),
            "period": _p("str", "年度 2025 或季度 2025-Q3 / the year or quarter", required=True),
            "indicator": _p("str", "指标 (名称或行动序号, as written) / indicator, as written", required=True),
            "action": _p("int", "对应行动 1-12 / action number"),
            "value": _p("float", "目标值 / target value", required=True),
            "unit": _p("str", "计量单位 / unit"),
            "data_source": _SOURCE,
        },
    ),
    "AnalysisSnapshot": NodeKind(
        "AnalysisSnapshot",
        "分析快照",
        "What one `innonet analyze` reported (period, town, key tables as JSON), kept for --compare",
        {
            "name": _NAME,
            "period": _p("str", "报告期 / the period reported", required=True),
            "town": _p("str", "镇街 (全市 for the city) / town", required=True),
            "created": _p("str", "生成时间 / when it was written (ISO 8601)"),
            "tables": _p("str", "JSON: tier rungs, lapsed certificates, ties, meetings, indicators, ranks"),
        },
    ),
    "Tier": NodeKind(
        "Tier",
        "梯次",
        "A rung of the 梯次培育 ladder; enterprises reach it through REACHED_TIER (the history)",
        {"name": _NAME, "rank": _p("int", "阶梯序号 1-5 / rung, 1 = 科技型中小企业", required=True)},
    ),
}

CORE_KINDS: tuple[str, ...] = tuple(k for k, v in KINDS.items() if v.core)
CONTEXT_KINDS: tuple[str, ...] = tuple(k for k, v in KINDS.items() if not v.core)

_ORGS = ("Enterprise", "University", "Fund", "ServiceAgency")
_YEAR = _p("int", "年份 / year", "年")
_WEIGHT = _p("float", "权重 / weight")
_DATE = _p("str", "日期 / date (ISO 8601; YYYY-MM when only the month is known)")
_COMMON_REL = {"year": _YEAR, "date": _DATE, "data_source": _SOURCE, "weight": _WEIGHT}


def _rel(
    name: str,
    label_zh: str,
    description: str,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    **extra: Property,
) -> RelationshipType:
    return RelationshipType(name, label_zh, description, sources, targets, {**_COMMON_REL, **extra})


RELATIONSHIP_TYPES: dict[str, RelationshipType] = {
    r.name: r
    for r in [
        _rel(
            "COLLABORATES_WITH",
            "产学研合作",
            "Enterprise–University collaboration from joint projects, co-patents, contracts",
            ("Enterprise",),
            ("University",),
            basis=_p("str", "依据: 联合项目 / 合作专利 / 技术合同 / basis"),
            last_year=_p("int", "最近一次合作年份 / last joint year", "年"),
        ),
        _rel(
            "PARTICIPATES_IN",
            "参与项目",
            "Organisation takes part in a project",
            _ORGS,
            ("Project",),
            role=_p("str", "角色: 牵头 / 参与 / role"),
        ),
        _rel("EMPLOYS", "聘用", "Organisation employs a talent", _ORGS, ("Talent",), role=_p("str", "岗位 / role")),
        _rel(
            "AFFILIATED_WITH",
            "隶属",
            "Talent is affiliated with an organisation",
            ("Talent",),
            _ORGS,
            role=_p("str", "岗位 / role"),
        ),
        _rel(
            "SECONDED_TO",
            "选派",
            "Talent seconded to a firm or town (科技副总 / 科技镇长团)",
            ("Talent",),
            ("Enterprise", "Town"),
            role=_p("str", "科技副总 / 科技镇长团"),
            end_year=_p("int", "结束年份 / end year", "年"),
        ),
        _rel("IN_PROGRAM", "入选计划", "Talent selected by a talent programme", ("Talent",), ("Program",)),
        _rel(
            "INVESTS_IN",
            "投资",
            "Fund invests in an enterprise",
            ("Fund",),
            ("Enterprise",),
            amount=_p("float", "投资金额 / amount", "万元"),
            round=_p("str", "轮次 / round"),
        ),
        _rel(
            "SERVES",
            "服务",
            "Service agency serves an enterprise",
            ("ServiceAgency",),
            ("Enterprise",),
            service_type=_p("str", "服务类型 / service type"),
        ),
        _rel("HAS_PLATFORM", "拥有平台", "Enterprise owns an R&D platform", ("Enterprise",), ("Platform",)),
        _rel("CO_BUILDS", "共建平台", "University co-builds an R&D platform", ("University",), ("Platform",)),
        _rel(
            "LIAISES_WITH",
            "结对挂钩",
            "Government liaison with an enterprise",
            ("Department",),
            ("Enterprise",),
            scheme=_p("str", "市领导挂钩 / 部门结对 / 百企引航 / 百企竞航"),
        ),
        _rel(
            "ATTENDED",
            "参加活动",
            "Organisation or talent attended an event",
            (*_ORGS, "Talent"),
            ("Event",),
        ),
        _rel(
            "MET",
            "活动对接",
            "Enterprise met a university or expert at an event; outcome feeds pairing quality",
            ("Enterprise",),
            ("University", "Talent"),
            event=_p("str", "活动 id / event id"),
            outcome=_p("str", "结果: signed / follow-up / none"),
        ),
        _rel("LOCATED_IN", "位于", "Located in a town, street or park", (*_ORGS, "Event"), ("Town",)),
        _rel("IN_INDUSTRY", "所属产业", "Belongs to an industry", ("Enterprise", "Fund"), ("Industry",)),
        _rel(
            "REACHED_TIER",
            "梯次认定",
            "Enterprise reached a tier in a year (history; key = year)",
            ("Enterprise",),
            ("Tier",),
            level=_p("str", "级别: 省级 / 国家级小巨人 / 无锡市级 (专精特新)"),
            certificate=_p("str", "证书编号 / certificate number"),
            valid_until=_p("int", "有效期至 (高企 3 年) / certificate valid until", "年"),
        ),
    ]
}

#: Organisations (they have a 统一社会信用代码 or a 学校标识码): firms, universities and institutes, funds,
#: service agencies.  The one definition; the ingest, the analyses and the web pages use it.
ORGANISATION_KINDS: tuple[str, ...] = ("Enterprise", "University", "Fund", "ServiceAgency")

#: The five kinds the bureau counts (DESIGN.md "Domain model"): the organisations and the talents.
CORE_KINDS: tuple[str, ...] = ("Enterprise", "University", "Talent", "Fund", "ServiceAgency")

#: The 梯次培育 ladder, in order; rank = position + 1.
TIERS: tuple[str, ...] = ("科技型中小企业", "高新技术企业", "专精特新", "准独角兽", "科技上市企业")

#: Names met in files, mapped to the canonical tier.
TIER_ALIASES: dict[str, str] = {
    "科技型中小企业": "科技型中小企业",
    "科技中小企业": "科技型中小企业",
    "科小": "科技型中小企业",
    "tech_sme": "科技型中小企业",
    "tech sme": "科技型中小企业",
    "高新技术企业": "高新技术企业",
    "高企": "高新技术企业",
    "国家高新技术企业": "高新技术企业",
    "high-tech": "高新技术企业",
    "high_tech": "高新技术企业",
    "专精特新": "专精特新",
    "专精特新中小企业": "专精特新",
    "专精特新小巨人": "专精特新",
    "小巨人": "专精特新",
    "srdi": "专精特新",
    "准独角兽": "准独角兽",
    "准独角兽企业": "准独角兽",
    "quasi-unicorn": "准独角兽",
    "quasi_unicorn": "准独角兽",
    "科技上市企业": "科技上市企业",
    "上市企业": "科技上市企业",
    "上市公司": "科技上市企业",
    "listed": "科技上市企业",
}

#: A 高新技术企业 certificate is valid for three years.
HIGH_TECH_CERTIFICATE_YEARS = 3

UNIVERSITY_CATEGORIES: tuple[str, ...] = ("高校", "科研院所")
MEETING_OUTCOMES: tuple[str, ...] = ("signed", "follow-up", "none")


def check_kind(kind: str) -> NodeKind:
    """Return the :class:`NodeKind` for ``kind`` or raise :class:`SchemaError`.

    >>> check_kind("Fund").label_zh
    '基金'
    """
    try:
        return KINDS[kind]
    except (KeyError, TypeError):
        raise SchemaError(
            f"unknown node kind {kind!r}; use one of: {', '.join(KINDS)}"
        ) from None


def check_type(type_: str) -> RelationshipType:
    """Return the :class:`RelationshipType` for ``type_`` or raise :class:`SchemaError`."""
    try:
        return RELATIONSHIP_TYPES[type_]
    except (KeyError, TypeError):
        raise SchemaError(
            f"unknown relationship type {type_!r}; use one of: {', '.join(RELATIONSHIP_TYPES)}"
        ) from None


def canonical_tier(tier: object, *, strict: bool = True) -> str | None:
    """The canonical name of a tier written any way :data:`TIER_ALIASES` knows (高企, 小巨人, listed …).

    The one place a tier name is read: ingest, the analyses, the API filters and the maps all call it.
    Full-width letters and surrounding spaces are ignored; case is ignored for the English aliases.

    Parameters
    ----------
    tier : object
        The name as written.
    strict : bool
        Raise for an unknown or missing name (default); with ``strict=False`` return None instead.

    Raises
    ------
    SchemaError
        Unknown name (``strict`` only); the message lists the ladder.

    >>> canonical_tier("高企"), canonical_tier(" Quasi-Unicorn "), canonical_tier("x", strict=False)
    ('高新技术企业', '准独角兽', None)
    """
    if tier is None or (isinstance(tier, float) and tier != tier):
        canonical = None
    else:
        text = unicodedata.normalize("NFKC", str(tier)).strip()
        canonical = TIER_ALIASES.get(text, TIER_ALIASES.get(text.lower()))
    if canonical is None and strict:
        raise SchemaError(f"unknown tier {tier!r}; use one of: {', '.join(TIERS)} (or 高企, 小巨人, 上市公司 …)")
    return canonical


def tier_rank(tier: str) -> int:
    """Rank of a tier on the ladder (1 = 科技型中小企业 … 5 = 科技上市企业); any alias is accepted.

    >>> tier_rank("准独角兽")
    4
    """
    return TIERS.index(canonical_tier(tier)) + 1


def tier_id(tier: str) -> str:
    """Stable node id of a tier's :class:`Tier` node.

    >>> tier_id("高企")
    'tier:高新技术企业'
    """
    return "tier:" + TIERS[tier_rank(tier) - 1]


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:  # pandas.NA / NaT without importing pandas here
        return type(value).__name__ in {"NAType", "NaTType"}
    except Exception:  # pragma: no cover
        return False


def _coerce(value: Any, prop: Property, where: str) -> Any:
    """Return ``value`` as ``prop.type`` or raise SchemaError naming ``where``."""
    expected = prop.type
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        value = value.item()  # numpy scalar → Python scalar
    if expected == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif expected == "int":
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, float) and value.is_integer():
            return int(value)
    elif expected == "float":
        if isinstance(value, bool):
            pass
        elif isinstance(value, (int, float)):
            return float(value)
    elif expected == "bool":
        if isinstance(value, bool):
            return value
    elif expected == "list":
        if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
            items = list(value)
            if all(isinstance(v, str) for v in items):
                return items
    raise SchemaError(f"{where}: expected {expected}, got {type(value).__name__} {value!r}")


def clean_properties(
    spec: dict[str, Property], props: dict[str, Any], where: str, strict: bool = False
) -> dict[str, Any]:
    """Validate a property dict against ``spec``; drop missing values.

    Known properties are coerced to their declared type (an int-valued float
    becomes an int, a numpy scalar a Python one).  Unknown properties are kept
    when their value is a str, int, float, bool or list of str, so a file's
    extra columns are not lost; with ``strict=True`` they are an error.

    >>> from graph.schema import KINDS
    >>> clean_properties(KINDS["Enterprise"].properties, {"name": "甲", "employees": 12.0, "town": None}, "row 1")
    {'name': '甲', 'employees': 12}
    """
    out: dict[str, Any] = {}
    for key, value in props.items():
        # fast path: a value already of its declared type (the common case at ingest)
        prop = spec.get(key)
        if prop is not None:
            if type(value) is _PY_TYPES.get(prop.type) and value == value:
                out[key] = value
                continue
            if prop.type == "list" and type(value) is list and value and all(type(v) is str for v in value):
                out[key] = value
                continue
        if not isinstance(key, str) or not key:
            raise SchemaError(f"{where}: property names must be non-empty strings, got {key!r}")
        if isinstance(value, (list, tuple)):
            if not value and key not in spec:
                continue
        elif _is_missing(value):
            continue
        prop = spec.get(key)
        if prop is None:
            if strict:
                raise SchemaError(f"{where}: unknown property {key!r}; known: {', '.join(spec)}")
            out[key] = _coerce_free(value, key, where)
        else:
            out[key] = _coerce(value, prop, f"{where}, property {key!r}")
    return out


def _coerce_free(value: Any, key: str, where: str) -> Any:
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        value = value.item()
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise SchemaError(
        f"{where}, property {key!r}: values must be str, int, float, bool or a list of str; "
        f"got {type(value).__name__}"
    )


def markdown_tables() -> str:
    """The graph model as Markdown tables (the README's "Data model" section is this text).

    >>> "| Enterprise | 企业 |" in markdown_tables()
    True
    """

    def props(spec: dict[str, Property]) -> str:
        parts = []
        for name, prop in spec.items():
            text = f"`{name}`{'*' if prop.required else ''} {prop.type}"
            if prop.unit:
                text += f" ({prop.unit})"
            parts.append(text)
        return ", ".join(parts)

    lines = [
        "| kind | 中文 | core | properties (* required) |",
        "|---|---|---|---|",
    ]
    for kind in KINDS.values():
        lines.append(f"| {kind.name} | {kind.label_zh} | {'yes' if kind.core else ''} | {props(kind.properties)} |")
    lines += [
        "",
        "| relationship | 中文 | from → to | properties |",
        "|---|---|---|---|",
    ]
    for rel in RELATIONSHIP_TYPES.values():
        ends = f"{'/'.join(rel.sources)} → {'/'.join(rel.targets)}"
        lines.append(f"| {rel.name} | {rel.label_zh} | {ends} | {props(rel.properties)} |")
    return "\n".join(lines)
