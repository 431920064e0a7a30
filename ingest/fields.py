"""The tables innonet ingests, their fields and the header aliases met in the bureau's files.

Headers are compared after :func:`normalise_header` (NFKC, so full-width
brackets and letters become half-width; whitespace removed; lower case).  A
header with a unit in brackets, e.g. ``研发投入(万元)``, also matches its alias
without the bracket.  Anything else can be mapped with ``--mapping FILE``.

>>> field_for_header("所属镇（街道、园区）", "organisations"), field_for_header("所在镇/街道", "organisations")
('town', 'town')
>>> field_for_header(" 研发投入(万元) ", "organisations")
'rd_spend'
>>> field_for_header("USCC", "organisations")
'uscc'
>>> field_for_header("主要经济指标/营业收入(万元)", "organisations")
'revenue'

A tier's date column on an organisations sheet is the tier's year column whatever it is called (高新技术企业认定时间,
高企认定日期, 专精特新认定时间, 上市时间 …): the pipeline keeps the year and, where the cell has one, the month.

>>> field_for_header("高新技术企业认定时间", "organisations"), field_for_header("科技型中小企业入库日期", "organisations")
('hte_year', 'tech_sme_year')
"""

from __future__ import annotations

import re
import unicodedata

from graph.schema import TIER_ALIASES, TIERS
from graph.text import simplified

__all__ = [
    "KIND_ALIASES",
    "REQUIRED",
    "TABLES",
    "TABLE_ORDER",
    "detect_table",
    "field_for_header",
    "known_field",
    "normalise_header",
]

# field -> aliases, per table.  The field name itself is always an alias.
_ORG_FIELDS: dict[str, list[str]] = {
    "id": ["外部编号", "编号", "external_id"],
    "kind": ["类型", "主体类型", "机构类型", "kind", "type"],
    "name": ["企业名称", "单位名称", "公司名称", "机构名称", "名称", "高校名称", "学校名称", "院所名称",
             "基金名称", "服务机构名称", "组织名称", "name"],
    "uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "uscc", "credit_code"],
    "moe_code": ["学校标识码", "学校代码", "标识码", "moe_code"],
    "category": ["类别", "单位类别", "院校类别", "category"],
    "town": ["所属镇(街道、园区)", "所属镇(街道)", "所属镇街", "所属镇", "镇街", "镇(街道)", "所在镇街",
             "所在镇", "所在镇(街道)", "所在镇/街道", "所在镇(街道、园区)", "所属镇/街道", "所在街道", "所属街道",
             "镇/街道", "镇街道", "镇(街道、园区)", "所属园区", "镇", "乡镇", "所属乡镇", "所在乡镇", "乡镇(街道)",
             "town"],
    "industry": ["所属行业", "行业", "产业", "所属产业", "行业类别", "industry"],
    "founded": ["成立日期", "成立时间", "注册日期", "建校时间", "founded", "established"],
    "revenue": ["营业收入(万元)", "营业收入", "营收(万元)", "主营业务收入(万元)", "revenue"],
    "rd_spend": ["研发投入(万元)", "研发投入", "研发费用(万元)", "研发费用", "r&d投入", "rd_spend"],
    "hightech_revenue_share": ["高新技术产品收入占比(%)", "高新技术产品收入占比", "高品收入占比",
                               "hightech_revenue_share"],
    "employees": ["职工总数", "职工人数", "员工人数", "从业人员", "employees"],
    "st_staff": ["科技人员数", "科技人员", "研发人员数", "研发人员", "st_staff"],
    "patents": ["有效专利数", "专利数", "有效专利", "知识产权数", "patents"],
    "invention_patents": ["发明专利数", "发明专利", "有效发明专利", "invention_patents"],
    "keywords": ["技术领域", "主营产品", "研究方向", "优势学科", "主要技术", "关键词", "keywords", "strengths"],
    "country": ["国家", "国别", "所在国家", "国家/地区", "国家(地区)", "country"],
    "city": ["所在城市", "城市", "所在地", "city"],
    "province": ["所在省份", "省份", "省", "province"],
    "level": ["层次", "办学层次", "级别", "平台级别", "平台等级", "level"],
    "manager": ["管理人", "基金管理人", "manager"],
    "fund_type": ["基金类型", "fund_type"],
    "size": ["基金规模(万元)", "基金规模", "规模(万元)", "size"],
    "focus": ["投资方向", "投资领域", "focus"],
    "service_types": ["服务类型", "服务内容", "服务领域", "service_types"],
    "aliases": ["曾用名", "别名", "aliases"],
    # context kinds loaded through the organisations table (Platform, Department, Town, Industry, Program)
    "platform_type": ["平台类型", "研发机构类型", "载体类型", "platform_type"],
    "year": ["认定年份", "认定时间", "获批年份", "year"],
    "chain": ["产业链", "chain"],
    "town_type": ["镇街类型", "town_type"],
    # convenience tier columns on an organisations sheet → REACHED_TIER rows
    "tech_sme_year": ["科技型中小企业入库年份", "科技型中小企业年份", "科小入库年份", "tech_sme_year"],
    "hte_year": ["高新技术企业认定年份", "高企认定年份", "高新技术企业认定", "高企认定", "高新技术企业", "高企",
                 "hte_year"],
    "hte_certificate": ["高新技术企业证书编号", "高企证书编号", "hte_certificate"],
    "srdi": ["专精特新", "专精特新级别", "专精特新认定", "srdi"],
    "srdi_year": ["专精特新认定年份", "专精特新年份", "srdi_year"],
    "quasi_unicorn_year": ["准独角兽认定年份", "准独角兽", "quasi_unicorn_year"],
    "listed_year": ["上市年份", "科技上市企业", "listed_year"],
}

_TALENT_FIELDS: dict[str, list[str]] = {
    "id": ["人才编号", "编号", "external_id"],
    "name": ["姓名", "人才姓名", "专家姓名", "name"],
    "affiliation": ["工作单位", "所在单位", "单位", "派出单位", "affiliation"],
    "field": ["专业领域", "专业", "领域", "学科", "field"],
    "title": ["职称", "职务", "title"],
    "keywords": ["研究方向", "技术专长", "专长", "关键词", "keywords"],
    "programs": ["人才计划", "入选计划", "入选人才计划", "programs"],
    "program_year": ["入选年份", "program_year"],
    "program_date": ["入选日期", "入选时间", "program_date"],
    "seconded_to": ["选派企业", "挂职企业", "服务企业", "挂职单位", "seconded_to"],
    "secondment_role": ["选派类型", "挂职类型", "挂职职务", "secondment_role"],
    "secondment_year": ["选派年份", "挂职年份", "secondment_year"],
    "secondment_date": ["选派日期", "选派时间", "挂职时间", "secondment_date"],
    "email": ["电子邮箱", "邮箱", "email"],
    "phone": ["联系电话", "电话", "手机", "phone"],
}

#: headers that name an organisation by its id in the tables that refer to one
_ORG_ID_HEADERS = ["organisation_id", "organization_id", "org_id", "org", "organisation_name", "organization_name",
                   "enterprise_id", "company", "company_name", "单位", "企业id", "单位id"]

_TIER_FIELDS: dict[str, list[str]] = {
    "organisation": ["企业名称", "单位名称", "企业", "organisation", "organization", "enterprise", *_ORG_ID_HEADERS],
    "organisation_uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "uscc", "organisation_uscc"],
    "tier": ["梯次", "认定类型", "资质类型", "培育梯次", "tier"],
    "year": ["认定年份", "年份", "入库年份", "year"],
    "date": ["认定日期", "发证日期", "批次时间", "认定时间", "入库日期", "入库时间", "认定批次", "date"],
    "certificate": ["证书编号", "证书号", "入库编号", "certificate"],
    "level": ["级别", "认定级别", "level"],
    "valid_until": ["有效期至", "有效期", "valid_until"],
}

_REL_FIELDS: dict[str, list[str]] = {
    "source": ["起点", "来源主体", "主体", "甲方", "source"],
    "target": ["终点", "目标主体", "合作方", "乙方", "target"],
    "type": ["关系类型", "关系", "type"],
    "year": ["年份", "合作年份", "year"],
    "date": ["日期", "合作日期", "投资日期", "服务日期", "签约日期", "挂钩日期", "认定日期", "date"],
    "key": ["关系编号", "key"],
    "amount": ["金额(万元)", "投资金额(万元)", "投资金额", "金额", "amount"],
    "service_type": ["服务类型", "service_type"],
    "role": ["角色", "岗位", "role"],
    "scheme": ["挂钩方式", "结对方式", "scheme"],
    "basis": ["合作依据", "合作方式", "basis"],
    "weight": ["权重", "weight"],
    "round": ["轮次", "round"],
}

_PARTICIPATION_FIELDS: dict[str, list[str]] = {
    "project_id": ["项目编号", "项目代码", "project_id"],
    "project_name": ["项目名称", "project_name"],
    "program": ["计划类别", "计划名称", "项目类别", "program"],
    "project_level": ["项目级别", "project_level"],
    "organisation": ["承担单位", "参与单位", "单位名称", "单位", "organisation", "organization", *_ORG_ID_HEADERS],
    "organisation_uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "uscc", "organisation_uscc"],
    "role": ["角色", "承担方式", "role"],
    "year": ["立项年份", "年份", "year"],
    "date": ["立项日期", "立项时间", "date"],
    "budget": ["项目经费(万元)", "经费(万元)", "项目经费", "budget"],
}

_EVENT_FIELDS: dict[str, list[str]] = {
    "event_id": ["活动编号", "event_id"],
    "event_name": ["活动名称", "event_name"],
    "date": ["活动日期", "日期", "date"],
    "event_type": ["活动类型", "event_type"],
    "year": ["活动年份", "年份", "year"],
    "town": ["举办地", "活动地点", "town"],
    "organisation": ["参会单位", "参会企业", "参会人", "organisation", "organization", "attendee", *_ORG_ID_HEADERS],
    "organisation_uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "uscc", "organisation_uscc"],
    "partner": ["对接单位", "对接高校院所", "对接专家", "partner"],
    "outcome": ["对接结果", "结果", "outcome"],
}

# the bureau's 目标任务分解: long (one row per place and indicator) or wide (one column per indicator)
_TARGET_FIELDS: dict[str, list[str]] = {
    "place": ["镇街", "镇(街道)", "镇街园区", "镇(街道、园区)", "所属镇(街道、园区)", "板块", "地区", "责任单位",
              "place", "town"],
    "period": ["年度", "考核年度", "目标年度", "period"],
    # the part of the year (全年, 上半年, 1-9月, 三季度, Q3); a 期间 / 时段 cell naming a year (2025-Q3) is read too
    "quarter": ["季度", "时段", "期间", "时间段", "考核期", "quarter"],
    # 目标任务 names the indicator unless the sheet has another indicator column and numbers under it (then it is
    # the target value: ingest.pipeline._task_column)
    "indicator": ["指标", "指标名称", "考核指标", "目标任务", "任务名称", "indicator"],
    "action": ["行动", "行动序号", "对应行动", "action"],
    "target": ["目标值", "目标", "目标数", "任务数", "目标任务数", "年度目标", "target"],
    "unit": ["计量单位", "unit"],
    "seq": ["序号"],
}

#: table name → {field: [aliases]}
TABLES: dict[str, dict[str, list[str]]] = {
    "organisations": _ORG_FIELDS,
    "talents": _TALENT_FIELDS,
    "tiers": _TIER_FIELDS,
    "relationships": _REL_FIELDS,
    "participations": _PARTICIPATION_FIELDS,
    "events": _EVENT_FIELDS,
    "targets": _TARGET_FIELDS,
}

#: fields a row of each table must carry
REQUIRED: dict[str, tuple[str, ...]] = {
    "organisations": ("name",),
    "talents": ("name",),
    "tiers": ("organisation", "tier", "year"),
    "relationships": ("source", "target", "type"),
    "participations": ("project_id", "organisation", "year"),
    "events": ("event_id", "organisation"),
    "targets": ("place",),
}

#: words met in a ``kind`` column → node kind
KIND_ALIASES: dict[str, str] = {
    "enterprise": "Enterprise", "企业": "Enterprise", "公司": "Enterprise",
    "university": "University", "高校": "University", "大学": "University", "高等院校": "University",
    "科研院所": "University", "研究院所": "University", "研究所": "University", "院所": "University",
    "institute": "University", "高校院所": "University",
    "fund": "Fund", "基金": "Fund", "投资基金": "Fund",
    "serviceagency": "ServiceAgency", "service_agency": "ServiceAgency", "服务机构": "ServiceAgency",
    "科技服务机构": "ServiceAgency", "agency": "ServiceAgency",
    "talent": "Talent", "人才": "Talent", "专家": "Talent",
    "platform": "Platform", "平台": "Platform", "研发平台": "Platform", "研发机构": "Platform",
    "创新平台": "Platform", "创新载体": "Platform",
    "department": "Department", "部门": "Department", "政府部门": "Department", "挂钩部门": "Department",
    "program": "Program", "programme": "Program", "人才计划": "Program",
    "town": "Town", "镇": "Town", "街道": "Town", "园区": "Town", "镇街": "Town", "镇街园区": "Town",
    "industry": "Industry", "产业": "Industry", "产业链": "Industry",
}

#: the order tables are loaded in: organisations first, so later tables can name them
TABLE_ORDER: tuple[str, ...] = ("organisations", "talents", "tiers", "participations", "relationships", "events",
                                "targets")


def _plain_header(header: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header))).lower()


def normalise_header(header: object) -> str:
    """NFKC, no whitespace, lower case, Traditional → Simplified (:func:`graph.text.simplified`):
    ``" 研发投入（万元） "`` → ``"研发投入(万元)"``, ``"企業名稱"`` → ``"企业名称"``.

    >>> normalise_header(" 研发投入（万元） "), normalise_header("所屬鎮")
    ('研发投入(万元)', '所属镇')
    """
    return simplified(_plain_header(header))


_BRACKET = re.compile(r"\([^)]*\)$")
#: the aliases are written in Simplified characters (a test checks they are their own Simplified form), so the
#: index is built without the converter: importing this module stays light
_INDEX: dict[str, dict[str, str]] = {
    table: {_plain_header(alias): field for field, aliases in fields.items() for alias in [field, *aliases]}
    for table, fields in TABLES.items()
}


#: a tier named with a date or year word: 高新技术企业认定时间, 科小入库日期, 专精特新认定年份, 上市时间
_TIER_WHEN = re.compile(r"^(.+?)(认定|入库|评定|获批|评价|入选)?(时间|日期|年份|年度)$")
_TIER_YEAR_FIELDS = ("tech_sme_year", "hte_year", "srdi_year", "quasi_unicorn_year", "listed_year")  # by rank
_TIER_WORDS = {**{k: v for k, v in TIER_ALIASES.items() if not k.isascii()}, "上市": "科技上市企业",
               "科技上市": "科技上市企业"}


def _tier_year_field(key: str) -> str | None:
    """The organisations field of a tier's year column named with a date word (``高企认定时间`` → ``hte_year``)."""
    match = _TIER_WHEN.match(key)
    if match is None:
        return None
    tier = _TIER_WORDS.get(match.group(1))
    return _TIER_YEAR_FIELDS[TIERS.index(tier)] if tier is not None else None


def field_for_header(header: object, table: str) -> str | None:
    """The field a header means in ``table``, or None when it is not known."""
    index = _INDEX[table]
    key = normalise_header(header)
    if key in index:
        return index[key]
    stripped = _BRACKET.sub("", key)
    if stripped in index:
        return index[stripped]
    if table == "organisations" and (tier_field := _tier_year_field(stripped)) is not None:
        return tier_field
    if "/" in key:  # a two-row header "主要经济指标/营业收入(万元)": its parts, the last (most specific) first
        for part in reversed(key.split("/")):
            if part and part != key:
                found = field_for_header(part, table)
                if found is not None:
                    return found
    return None


def known_field(field: str) -> bool:
    """True when ``field`` is a field of some table (a mapping file may only name these).

    >>> known_field("uscc"), known_field("colour")
    (True, False)
    """
    return any(field in fields for fields in TABLES.values())


def detect_table(fields: list[str]) -> str | None:
    """The table whose required fields are all present and which explains most of ``fields``.

    ``fields`` are already-mapped field names (unknown headers left out).

    >>> detect_table(["name", "uscc", "town"])
    'organisations'
    >>> detect_table(["organisation", "tier", "year"])
    'tiers'
    >>> detect_table(["colour"]) is None
    True
    """
    best: tuple[int, int] | None = None
    chosen = None
    present = set(fields)
    if "organisation_uscc" in present:  # a USCC column identifies the organisation as well as a name
        present.add("organisation")
    if "date" in present:  # a date (认定日期, 立项日期) says the year too
        present.add("year")
    for order, table in enumerate(TABLE_ORDER):
        if not set(REQUIRED[table]) <= present:
            continue
        score = (len(present & set(TABLES[table])), -order)
        if best is None or score > best:
            best, chosen = score, table
    return chosen
