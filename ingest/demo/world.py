"""A synthetic but realistic Yixing innovation ecosystem, written as the bureau's own files.

:func:`generate` writes the files a science & technology bureau actually holds
(Chinese headers, one multi-sheet XLSX 名录, one GB18030 CSV, some dirt) and
:func:`load_demo` loads them through the normal ingest path.

Everything is drawn from *latent* variables, never from a recommender's
formula: every firm and institute has a technology-topic mixture (keywords are
noisy samples of it), a capability / capacity and a place.  Year by year
(2016–2025) firms climb the tier ladder, 科技副总 are seconded, events hold
meetings with outcomes, and joint projects form with a probability driven by
topic fit, geography, institute capacity, existing ties, triadic closure
through shared partners, talent bridges and signed meetings.  Analyses have to
discover that structure from the files; the latent variables are not written.

Names, codes and figures are synthetic.  The universities and institutes are
real organisations that work with firms in the region, but their codes,
capacities and every tie to a firm are invented.

>>> SCALES["city"].enterprises, len(INSTITUTES), len(TOWNS)
(3000, 135, 20)
>>> list(FILE_NAMES)[:2]
['organisations', 'tech_sme']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from graph.errors import SchemaError
from graph.uscc import ALPHABET, with_check_digit
from ingest.normalise import name_key

if TYPE_CHECKING:  # pragma: no cover
    from graph.store import GraphStore
    from ingest.pipeline import IngestReport

__all__ = [
    "FILE_NAMES",
    "INDUSTRIES",
    "INSTITUTES",
    "SCALES",
    "TOPICS",
    "TOWNS",
    "YEARS",
    "Scale",
    "generate",
    "load_demo",
]

#: The years of history the demo covers.
YEARS: tuple[int, ...] = tuple(range(2016, 2026))


@dataclasses.dataclass(frozen=True)
class Scale:
    """Sizes of a demo ecosystem.

    Attributes
    ----------
    enterprises, talents, funds, agencies : int
        Number of firms, talents, funds and service agencies.
    institutes : int
        Universities and institutes (at most ``len(INSTITUTES)``).
    joint_projects : tuple of int
        Projects with a university partner in 2016 and in 2025 (linear in between).
    solo_projects : tuple of int
        Projects of enterprises alone in 2016 and in 2025.
    docking_events : int
        产学研对接会 per year (plus half as many trainings and 招商 events).
    secondments : tuple of int
        科技副总 seconded in 2016 and in 2025; 科技镇长团 members are a fifth of that.
    province : bool
        Spread firms over Jiangsu's cities (benchmark scale) instead of Yixing only.
    """

    enterprises: int
    institutes: int
    talents: int
    funds: int
    agencies: int
    joint_projects: tuple[int, int]
    solo_projects: tuple[int, int]
    docking_events: int
    secondments: tuple[int, int]
    province: bool = False


#: The named scales.  ``test`` is small enough for unit tests.
SCALES: dict[str, Scale] = {
    "test": Scale(300, 40, 500, 6, 10, (10, 24), (8, 14), 2, (6, 10)),
    "city": Scale(3000, 135, 5600, 24, 66, (70, 190), (50, 110), 6, (35, 70)),
    "province": Scale(200_000, 135, 60_000, 300, 2000, (4600, 12600), (3300, 7300), 40, (900, 1800), True),
}

#: file key → file name, in the order they must be ingested
FILE_NAMES: dict[str, str] = {
    "organisations": "01_创新主体名录.xlsx",
    "tech_sme": "02_科技型中小企业入库名单.csv",
    "tiers": "03_创新型企业梯次认定.xlsx",
    "talents": "04_人才名单.xlsx",
    "participations": "05_科技项目承担情况.xlsx",
    "relationships": "06_合作与服务关系.xlsx",
    "events": "07_产学研对接活动.xlsx",
    "targets": "08_目标任务分解.xlsx",
}

#: Months (1-12) records fall in, with their weights: the bureau's batches (科小 in batches through the year,
#: 高企 announced at the year's end, 专精特新 in spring and autumn, 小巨人 in summer).
_MONTHS: dict[str, dict[int, float]] = {
    "科技型中小企业": {3: 0.25, 5: 0.25, 7: 0.2, 9: 0.2, 11: 0.1},
    "高新技术企业": {10: 0.2, 11: 0.4, 12: 0.4},
    "专精特新": {3: 0.5, 9: 0.5},
    "国家级小巨人": {7: 1.0},
    "准独角兽": {6: 1.0},
    "project": {4: 0.15, 5: 0.2, 6: 0.2, 7: 0.15, 9: 0.15, 10: 0.15},
    "科技副总": {3: 0.7, 4: 0.3},
    "科技镇长团": {7: 1.0},
    "program": {6: 0.5, 12: 0.5},
}


def _month_dates(rng: np.random.Generator, years: Sequence[int], profile: str | None = None,
                 style: str = "date") -> list[str]:
    """One date per year in ``years``: the month drawn from ``_MONTHS[profile]`` (uniform when None).

    ``style`` "date" gives ``2024-11-28``, "month" gives ``2024年11月`` (a month without a day, as many lists are).
    """
    n = len(years)
    if profile is None:
        months = rng.integers(1, 13, size=n)
    else:
        weights = _MONTHS[profile]
        months = rng.choice(list(weights), size=n, p=np.asarray(list(weights.values())) / sum(weights.values()))
    days = rng.integers(1, 29, size=n)
    if style == "month":
        return [f"{int(y)}年{int(m)}月" for y, m in zip(years, months, strict=True)]
    return [f"{int(y)}-{int(m):02d}-{int(d):02d}" for y, m, d in zip(years, months, days, strict=True)]

# ----------------------------------------------------------------------------------------------
# Real context
# ----------------------------------------------------------------------------------------------

#: Yixing's streets, towns and parks: (name, type).
TOWNS: tuple[tuple[str, str], ...] = (
    ("宜城街道", "街道"), ("屺亭街道", "街道"), ("新街街道", "街道"), ("新庄街道", "街道"), ("芳桥街道", "街道"),
    ("丁蜀镇", "镇"), ("和桥镇", "镇"), ("官林镇", "镇"), ("高塍镇", "镇"), ("徐舍镇", "镇"), ("周铁镇", "镇"),
    ("张渚镇", "镇"), ("西渚镇", "镇"), ("太华镇", "镇"), ("湖㳇镇", "镇"), ("万石镇", "镇"), ("杨巷镇", "镇"),
    ("新建镇", "镇"), ("宜兴经济技术开发区", "园区"), ("中国宜兴环保科技工业园", "园区"),
)

#: Jiangsu's prefecture cities and their admin division codes (province scale).
_JIANGSU_CITIES: tuple[tuple[str, str], ...] = (
    ("南京", "320100"), ("无锡", "320200"), ("徐州", "320300"), ("常州", "320400"), ("苏州", "320500"),
    ("南通", "320600"), ("连云港", "320700"), ("淮安", "320800"), ("盐城", "320900"), ("扬州", "321000"),
    ("镇江", "321100"), ("泰州", "321200"), ("宿迁", "321300"),
)

#: industry → (share of Yixing's innovative firms, name words, towns it concentrates in, neighbour industries)
INDUSTRIES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "环保": (0.22, ("环保科技", "环境工程", "水处理设备", "环保设备", "净化设备", "膜科技"),
           ("高塍镇", "中国宜兴环保科技工业园", "新街街道"), ("新材料", "高端装备")),
    "电线电缆": (0.15, ("电缆", "电线电缆", "线缆", "电工材料", "特种电缆", "电气"),
             ("官林镇", "和桥镇", "周铁镇"), ("新材料", "新能源")),
    "陶瓷": (0.09, ("陶瓷", "紫砂", "陶瓷科技", "耐火材料", "精细陶瓷", "陶业"),
           ("丁蜀镇", "湖㳇镇", "张渚镇"), ("新材料", "环保")),
    "新能源": (0.10, ("新能源科技", "光伏科技", "储能科技", "电力科技", "能源技术", "动力科技"),
            ("宜兴经济技术开发区", "屺亭街道", "新庄街道"), ("新材料", "电线电缆", "半导体")),
    "新材料": (0.12, ("新材料科技", "高分子材料", "复合材料", "合金材料", "化工新材料", "材料科技"),
            ("宜兴经济技术开发区", "徐舍镇", "和桥镇"), ("环保", "新能源")),
    "半导体": (0.04, ("半导体", "微电子", "芯片科技", "电子科技", "集成电路"),
            ("宜兴经济技术开发区",), ("新能源", "数字经济")),
    "高端装备": (0.17, ("机械", "智能装备", "精密机械", "机电设备", "自动化设备", "阀门"),
             ("新街街道", "周铁镇", "万石镇", "杨巷镇"), ("数字经济", "环保")),
    "生物医药": (0.04, ("生物科技", "医药", "医疗器械", "生物医药", "健康科技"),
             ("宜兴经济技术开发区", "宜城街道"), ("新材料",)),
    "数字经济": (0.07, ("信息技术", "软件", "数据科技", "智能科技", "网络科技", "数字科技"),
             ("宜城街道", "新庄街道", "屺亭街道"), ("高端装备",)),
}

#: technology topics: (industry, topic, Chinese technical terms)
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("环保", "水处理", ("污水处理", "膜生物反应器", "反渗透膜", "超滤膜", "曝气设备", "厌氧消化", "中水回用",
                     "高盐废水", "工业废水零排放", "MBR膜组件")),
    ("环保", "大气治理", ("脱硫脱硝", "袋式除尘", "VOCs治理", "催化燃烧", "烟气净化", "SCR催化剂", "湿式电除尘",
                      "废气处理")),
    ("环保", "固废资源化", ("固废处置", "垃圾焚烧", "危废处理", "污泥干化", "资源化利用", "餐厨垃圾处理", "土壤修复",
                       "污泥脱水")),
    ("电线电缆", "电力电缆", ("高压电缆", "交联聚乙烯绝缘", "电缆附件", "超高压电缆", "海底电缆", "中压电缆",
                          "架空导线")),
    ("电线电缆", "特种电缆", ("耐火电缆", "光伏电缆", "新能源汽车线缆", "铁路信号电缆", "低烟无卤电缆", "矿用电缆",
                          "船用电缆")),
    ("电线电缆", "导体与绝缘", ("铜导体", "铝合金导体", "无氧铜杆", "漆包线", "绝缘料", "屏蔽料", "电缆料")),
    ("陶瓷", "紫砂陶艺", ("紫砂壶", "紫砂泥料", "陶艺设计", "非遗工艺", "窑炉烧成", "均陶", "彩陶装饰")),
    ("陶瓷", "先进陶瓷", ("结构陶瓷", "陶瓷膜", "氧化铝陶瓷", "碳化硅陶瓷", "蜂窝陶瓷", "电子陶瓷", "耐火材料")),
    ("新能源", "光伏", ("光伏组件", "异质结电池", "光伏逆变器", "硅片", "光伏支架", "钙钛矿电池")),
    ("新能源", "储能与电池", ("锂离子电池", "储能系统", "电池管理系统", "正极材料", "钠离子电池", "氢燃料电池",
                          "电解液")),
    ("新材料", "高分子材料", ("改性塑料", "特种纤维", "复合材料", "碳纤维", "聚酰亚胺", "功能涂料", "胶粘剂")),
    ("新材料", "金属材料", ("高温合金", "精密合金", "稀土功能材料", "粉末冶金", "有色金属加工", "特种钢材")),
    ("半导体", "芯片与器件", ("集成电路设计", "功率器件", "IGBT模块", "封装测试", "第三代半导体", "碳化硅外延",
                          "MEMS传感器")),
    ("高端装备", "智能制造", ("工业机器人", "数控机床", "智能产线", "工业互联网", "机器视觉", "自动化控制")),
    ("高端装备", "通用装备", ("泵阀", "压力容器", "风机", "减速机", "精密铸件", "液压系统", "输送设备")),
    ("生物医药", "医疗器械", ("医疗器械", "体外诊断", "康复器械", "医用耗材", "影像设备")),
    ("生物医药", "药物与生物技术", ("生物制药", "原料药", "中药现代化", "植物提取", "发酵工程", "酶制剂")),
    ("数字经济", "软件与数据", ("软件开发", "大数据平台", "人工智能算法", "物联网", "云计算", "数字孪生", "工业软件")),
)

_GENERIC_TERMS = ("新产品开发", "技术服务", "质量检测", "节能降耗", "工艺改进")

_FIELD_NAMES = {
    "环保": "环境科学与工程", "电线电缆": "电气工程", "陶瓷": "材料科学与工程（无机非金属）", "新能源": "能源动力",
    "新材料": "材料科学与工程", "半导体": "电子科学与技术", "高端装备": "机械工程", "生物医药": "生物医学工程",
    "数字经济": "计算机科学与技术",
}

# name|category|city|province|level|strength industries|registering division of its USCC
_INSTITUTE_TABLE = """
江南大学|高校|无锡|江苏|211|生物医药 新材料 高端装备 数字经济|100000
南京大学宜兴环保研究院|科研院所|宜兴|江苏|地方研究院|环保|320282
无锡工艺职业技术学院|高校|宜兴|江苏|高职|陶瓷|320200
江苏省陶瓷研究所|科研院所|宜兴|江苏|省级科研院所|陶瓷|320282
南京大学|高校|南京|江苏|985|环保 新材料 半导体 数字经济|100000
东南大学|高校|南京|江苏|985|电线电缆 新能源 数字经济 环保 高端装备|100000
河海大学|高校|南京|江苏|211|环保 新能源 电线电缆|100000
南京工业大学|高校|南京|江苏|省属|新材料 环保 生物医药 陶瓷|320000
常州大学|高校|常州|江苏|省属|新材料 环保 新能源|320000
江苏大学|高校|镇江|江苏|省属|高端装备 新能源 环保|320000
中国矿业大学|高校|徐州|江苏|211|新能源 环保 高端装备|100000
上海交通大学|高校|上海|上海|985|高端装备 电线电缆 新能源 生物医药 半导体|100000
清华大学|高校|北京|北京|985|环保 新能源 半导体 数字经济 新材料 电线电缆|100000
浙江大学|高校|杭州|浙江|985|新材料 数字经济 生物医药 环保 半导体 电线电缆|100000
中国科学院生态环境研究中心|科研院所|北京|北京|中国科学院|环保|100000
中国科学院上海硅酸盐研究所|科研院所|上海|上海|中国科学院|陶瓷 新材料 新能源|100000
中国科学院过程工程研究所|科研院所|北京|北京|中国科学院|环保 新材料 新能源|100000
中国科学院南京地理与湖泊研究所|科研院所|南京|江苏|中国科学院|环保|100000
中国科学院苏州纳米技术与纳米仿生研究所|科研院所|苏州|江苏|中国科学院|半导体 新材料|100000
无锡学院|高校|无锡|江苏|省属|数字经济 新能源|320200
无锡职业技术学院|高校|无锡|江苏|高职|高端装备 数字经济|320200
江苏信息职业技术学院|高校|无锡|江苏|高职|半导体 数字经济|320200
中国电子科技集团公司第五十八研究所|科研院所|无锡|江苏|国家级科研院所|半导体|100000
中国船舶集团有限公司第七〇二研究所|科研院所|无锡|江苏|国家级科研院所|高端装备|100000
南京航空航天大学|高校|南京|江苏|211|高端装备 新材料|100000
南京理工大学|高校|南京|江苏|211|高端装备 新材料 环保|100000
苏州大学|高校|苏州|江苏|211|新材料 生物医药 新能源|320000
上海电缆研究所|科研院所|上海|上海|国家级科研院所|电线电缆|310000
同济大学|高校|上海|上海|985|环保 新能源 高端装备|100000
华东理工大学|高校|上海|上海|211|新材料 环保 生物医药|100000
景德镇陶瓷大学|高校|景德镇|江西|省属|陶瓷|360000
江苏省产业技术研究院|科研院所|南京|江苏|省级科研院所|新材料 半导体 高端装备 生物医药|320000
江苏省环境科学研究院|科研院所|南京|江苏|省级科研院所|环保|320000
南京邮电大学|高校|南京|江苏|省属|数字经济 半导体|320000
中国药科大学|高校|南京|江苏|211|生物医药|100000
西安交通大学|高校|西安|陕西|985|电线电缆 新能源 高端装备|100000
哈尔滨工业大学|高校|哈尔滨|黑龙江|985|高端装备 环保 新材料 电线电缆|100000
武汉理工大学|高校|武汉|湖北|211|陶瓷 新材料|100000
中国科学院电工研究所|科研院所|北京|北京|中国科学院|电线电缆 新能源|100000
中国科学院宁波材料技术与工程研究所|科研院所|宁波|浙江|中国科学院|新材料 新能源|100000
无锡科技职业学院|高校|无锡|江苏|高职|半导体 高端装备|320200
南京师范大学|高校|南京|江苏|211|环保 数字经济|320000
南京农业大学|高校|南京|江苏|211|生物医药 环保|100000
南京信息工程大学|高校|南京|江苏|省属|环保 数字经济|320000
南京林业大学|高校|南京|江苏|省属|新材料 环保|320000
扬州大学|高校|扬州|江苏|省属|生物医药 高端装备|320000
江苏科技大学|高校|镇江|江苏|省属|高端装备 新材料|320000
南通大学|高校|南通|江苏|省属|生物医药 新材料|320000
南京医科大学|高校|南京|江苏|省属|生物医药|320000
南京中医药大学|高校|南京|江苏|省属|生物医药|320000
江苏师范大学|高校|徐州|江苏|省属|数字经济 新能源|320000
盐城工学院|高校|盐城|江苏|省属|新能源 环保|320000
常州工学院|高校|常州|江苏|省属|高端装备 电线电缆|320000
淮阴工学院|高校|淮安|江苏|省属|新材料 高端装备|320000
江苏理工学院|高校|常州|江苏|省属|高端装备 新能源|320000
南京工程学院|高校|南京|江苏|省属|电线电缆 新能源 高端装备|320000
金陵科技学院|高校|南京|江苏|省属|数字经济|320000
苏州科技大学|高校|苏州|江苏|省属|环保 高端装备|320000
徐州工程学院|高校|徐州|江苏|省属|高端装备|320000
南京财经大学|高校|南京|江苏|省属|数字经济|320000
西交利物浦大学|高校|苏州|江苏|中外合作办学|数字经济 新材料|320000
常州信息职业技术学院|高校|常州|江苏|高职|数字经济|320000
南京科技职业学院|高校|南京|江苏|高职|新材料 环保|320000
复旦大学|高校|上海|上海|985|半导体 生物医药 新材料|100000
华东师范大学|高校|上海|上海|985|数字经济 半导体|100000
上海大学|高校|上海|上海|211|新材料 高端装备 陶瓷|310000
东华大学|高校|上海|上海|211|新材料 环保|100000
上海理工大学|高校|上海|上海|省属|高端装备 新能源|310000
上海电力大学|高校|上海|上海|省属|新能源 电线电缆|310000
上海工程技术大学|高校|上海|上海|省属|高端装备|310000
上海海事大学|高校|上海|上海|省属|高端装备 数字经济|310000
浙江工业大学|高校|杭州|浙江|省属|环保 高端装备 生物医药|330000
浙江理工大学|高校|杭州|浙江|省属|新材料|330000
中国计量大学|高校|杭州|浙江|省属|高端装备 数字经济|330000
杭州电子科技大学|高校|杭州|浙江|省属|数字经济 半导体|330000
宁波大学|高校|宁波|浙江|省属|新材料 生物医药|330000
北京大学|高校|北京|北京|985|环保 生物医药 数字经济|100000
北京航空航天大学|高校|北京|北京|985|高端装备 新材料|100000
北京理工大学|高校|北京|北京|985|新能源 高端装备|100000
北京科技大学|高校|北京|北京|211|新材料 高端装备|100000
北京化工大学|高校|北京|北京|211|新材料 环保|100000
北京工业大学|高校|北京|北京|211|环保 高端装备|110000
华北电力大学|高校|北京|北京|211|新能源 电线电缆|100000
北京交通大学|高校|北京|北京|211|电线电缆 数字经济|100000
中国石油大学（北京）|高校|北京|北京|211|新能源 新材料|100000
华中科技大学|高校|武汉|湖北|985|高端装备 电线电缆 半导体|100000
武汉大学|高校|武汉|湖北|985|电线电缆 环保 数字经济|100000
中南大学|高校|长沙|湖南|985|新材料 新能源|100000
湖南大学|高校|长沙|湖南|985|高端装备 电线电缆|100000
天津大学|高校|天津|天津|985|环保 新材料 高端装备 陶瓷|100000
南开大学|高校|天津|天津|985|新能源 生物医药|100000
大连理工大学|高校|大连|辽宁|985|环保 新材料 高端装备|100000
山东大学|高校|济南|山东|985|新材料 陶瓷 生物医药|100000
中国科学技术大学|高校|合肥|安徽|985|新能源 新材料 半导体|100000
合肥工业大学|高校|合肥|安徽|211|高端装备 电线电缆|100000
四川大学|高校|成都|四川|985|新材料 环保 生物医药|100000
电子科技大学|高校|成都|四川|985|半导体 数字经济|100000
西北工业大学|高校|西安|陕西|985|新材料 高端装备|100000
重庆大学|高校|重庆|重庆|985|电线电缆 环保|100000
华南理工大学|高校|广州|广东|985|新材料 环保 生物医药|100000
厦门大学|高校|厦门|福建|985|新能源 生物医药|100000
中国海洋大学|高校|青岛|山东|985|环保 生物医药|100000
吉林大学|高校|长春|吉林|985|新材料 生物医药|100000
东北大学|高校|沈阳|辽宁|985|新材料 高端装备|100000
西安电子科技大学|高校|西安|陕西|211|半导体 数字经济|100000
中国地质大学（武汉）|高校|武汉|湖北|211|新材料 环保|100000
中国科学院化学研究所|科研院所|北京|北京|中国科学院|新材料|100000
中国科学院南京土壤研究所|科研院所|南京|江苏|中国科学院|环保|100000
中国科学院上海微系统与信息技术研究所|科研院所|上海|上海|中国科学院|半导体 数字经济|100000
中国科学院半导体研究所|科研院所|北京|北京|中国科学院|半导体|100000
中国科学院大连化学物理研究所|科研院所|大连|辽宁|中国科学院|新能源 新材料|100000
中国科学院金属研究所|科研院所|沈阳|辽宁|中国科学院|新材料 高端装备|100000
中国科学院长春应用化学研究所|科研院所|长春|吉林|中国科学院|新材料 电线电缆|100000
中国科学院上海有机化学研究所|科研院所|上海|上海|中国科学院|生物医药 新材料|100000
中国科学院沈阳自动化研究所|科研院所|沈阳|辽宁|中国科学院|高端装备 数字经济|100000
中国科学院物理研究所|科研院所|北京|北京|中国科学院|新能源 半导体|100000
中国科学院城市环境研究所|科研院所|厦门|福建|中国科学院|环保|100000
中国科学院微电子研究所|科研院所|北京|北京|中国科学院|半导体|100000
中国科学院上海药物研究所|科研院所|上海|上海|中国科学院|生物医药|100000
中国科学院苏州生物医学工程技术研究所|科研院所|苏州|江苏|中国科学院|生物医药 高端装备|100000
中国科学院理化技术研究所|科研院所|北京|北京|中国科学院|新材料 新能源|100000
中国科学院计算技术研究所|科研院所|北京|北京|中国科学院|数字经济|100000
中国科学院自动化研究所|科研院所|北京|北京|中国科学院|数字经济 高端装备|100000
中国科学院工程热物理研究所|科研院所|北京|北京|中国科学院|新能源 环保|100000
中国科学院广州能源研究所|科研院所|广州|广东|中国科学院|新能源 环保|100000
中国科学院青岛生物能源与过程研究所|科研院所|青岛|山东|中国科学院|新能源 生物医药|100000
中国科学院上海光学精密机械研究所|科研院所|上海|上海|中国科学院|高端装备 新材料|100000
中国科学院上海高等研究院|科研院所|上海|上海|中国科学院|新能源 数字经济|100000
中国环境科学研究院|科研院所|北京|北京|国家级科研院所|环保|100000
生态环境部南京环境科学研究所|科研院所|南京|江苏|国家级科研院所|环保|100000
中国建筑材料科学研究总院|科研院所|北京|北京|国家级科研院所|陶瓷 新材料|100000
中国电力科学研究院|科研院所|北京|北京|国家级科研院所|电线电缆 新能源|100000
中国林业科学研究院林产化学工业研究所|科研院所|南京|江苏|国家级科研院所|新材料 生物医药|100000
江苏省农业科学院|科研院所|南京|江苏|省级科研院所|生物医药|320000
江苏省特种设备安全监督检验研究院|科研院所|南京|江苏|省级科研院所|高端装备|320000
"""

#: Universities and institutes: (name, category, city, province, level, strengths, division).
INSTITUTES: tuple[tuple[str, str, str, str, str, tuple[str, ...], str], ...] = tuple(
    (name, cat, city, prov, level, tuple(strengths.split()), division)
    for name, cat, city, prov, level, strengths, division in (
        line.split("|") for line in _INSTITUTE_TABLE.strip().splitlines()
    )
)

_CAPACITY = {"985": 3.0, "211": 2.0, "中国科学院": 1.6, "国家级科研院所": 1.3, "省属": 1.0, "中外合作办学": 0.8,
             "省级科研院所": 0.9, "地方研究院": 1.0, "高职": 0.35}

_PROGRAMS = ("省双创计划", "太湖人才计划", "陶都英才计划", "科技副总", "科技镇长团")
_SERVICE_TYPES = ("知识产权", "科技咨询", "技术转移", "检验检测", "财税管理")
_SERVICE_WORDS = {"知识产权": ("知识产权代理", "专利代理", "知识产权服务"), "科技咨询": ("科技咨询", "企业管理咨询"),
                  "技术转移": ("技术转移", "科技成果转化服务"), "检验检测": ("检测技术", "检验检测", "计量检测"),
                  "财税管理": ("财税咨询", "税务师事务所", "财务管理咨询")}
_DEPARTMENTS = ("中共宜兴市委办公室", "宜兴市人民政府办公室", "宜兴市科学技术局", "宜兴市工业和信息化局",
                "宜兴市发展和改革委员会", "宜兴市财政局", "宜兴市商务局", "宜兴市人力资源和社会保障局",
                "宜兴市市场监督管理局", "宜兴市自然资源和规划局", "宜兴市生态环境局", "宜兴市地方金融监督管理局",
                "宜兴市住房和城乡建设局", "国家税务总局宜兴市税务局")
# (short program name, level, share of joint projects, share of solo projects, id format)
_PROJECT_PROGRAMS = (
    ("陶都之光", "宜兴市", 0.55, 0.70, "TDZG{year}-{seq:04d}"),
    ("无锡市科技发展资金", "无锡市", 0.17, 0.22, "WX{year}{seq:04d}"),
    ("省重点研发", "省", 0.16, 0.05, "BE{year}{seq:04d}"),
    ("省成果转化", "省", 0.05, 0.03, "BA{year}{seq:04d}"),
    ("国家重点研发", "国家", 0.07, 0.0, "{year}YFC{seq:07d}"),
)
_PROJECT_TEMPLATES = ("{a}关键技术研发及产业化", "高性能{a}研制", "{a}智能化升级关键技术研究",
                      "基于{b}的{a}集成示范", "{a}绿色低碳工艺开发", "新一代{a}核心技术攻关")

_ZIHAO = ("华宏远泰恒新瑞丰鼎盛天宇中科金鑫海阳光明诚信达益嘉汇通力联创合源康宁安隆昌兴旺永凯峰博奥腾飞"
          "龙凤祥云辰星德润泽晟茂伟业建东方南北江湖山水石岭溪竹兰梅松柏荣升佳美亿万千百众川蓝绿青紫宝钧")
_LATIN = ("AB", "GT", "KT", "HX", "JR", "MT", "SK", "TX", "YD", "ZH", "BK", "CN")
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
             "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕梅建国文辉力云飞鹏宇浩然子轩思远佳琪"
          "晨阳欣怡雨涵博文俊杰志强海峰永明晓东立新卫东春雷秋实冬梅雪松振华德胜兴旺学军宏伟家豪嘉诚天翼")
_TITLES_INST = ("教授", "研究员", "副教授", "副研究员", "高级工程师", "讲师", "助理研究员")
_TITLES_FIRM = ("高级工程师", "工程师", "总工程师", "技术总监", "博士", "正高级工程师")


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------

def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _yearly(bounds: tuple[int, int], year: int) -> int:
    first, last = bounds
    return round(first + (last - first) * (year - YEARS[0]) / (YEARS[-1] - YEARS[0]))


def _base31(values: np.ndarray, width: int) -> list[str]:
    digits = np.empty((len(values), width), dtype="<U1")
    rest = values.astype(np.int64).copy()
    alphabet = np.array(list(ALPHABET))
    for pos in range(width - 1, -1, -1):
        digits[:, pos] = alphabet[rest % 31]
        rest //= 31
    return ["".join(row) for row in digits]


def _usccs(prefix2: Sequence[str], divisions: Sequence[str], serial: np.ndarray, new_style: np.ndarray) -> list[str]:
    """Valid USCCs: registration prefix + division + a unique 9-character organisation code."""
    scrambled = (serial.astype(np.int64) * 7919 + 104729) % (31 ** 7)
    modern = _base31(scrambled, 7)
    numeric = (serial.astype(np.int64) * 7919 + 1234567) % 10 ** 8
    codes = []
    for p, d, m, n, new in zip(prefix2, divisions, modern, numeric, new_style, strict=True):
        org = f"MA{m}" if new else f"7{n:08d}"
        codes.append(with_check_digit(f"{p}{d}{org}"))
    return codes


def _fullwidth(text: str) -> str:
    """ASCII letters and digits → full-width forms (the dirt NFKC undoes)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def _swap_brackets(text: str) -> str:
    if "（" in text:
        return text.replace("（", "(").replace("）", ")")
    return text.replace("(", "（").replace(")", "）")


def _sample_rows(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` indices drawn with replacement, probability ∝ ``weights``."""
    cumulative = np.cumsum(weights, dtype=np.float64)
    if size == 0 or cumulative[-1] <= 0:
        return np.zeros(0, dtype=np.int64)
    picks = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return np.minimum(picks, len(weights) - 1)


def _top_k_gumbel(rng: np.random.Generator, scores: np.ndarray, k: np.ndarray) -> list[np.ndarray]:
    """Per row, ``k[row]`` distinct columns sampled without replacement, probability ∝ ``scores``."""
    keys = np.log(np.maximum(scores, 1e-300)) + rng.gumbel(size=scores.shape)
    kmax = int(k.max()) if len(k) else 0
    order = np.argsort(-keys, axis=1)[:, :kmax]
    return [order[i, : k[i]] for i in range(len(k))]


_PLACE_WORDS = re.compile("|".join(["宜兴市湖㳇", "宜兴市", "宜兴", "江苏", "无锡市", "无锡",
                                      *(f"{c}市" for c, _ in _JIANGSU_CITIES), *(c for c, _ in _JIANGSU_CITIES)]))
_FUZZY_CHECK_LIMIT = 10_000


def _core(name: str) -> str:
    """What tells two organisations apart once the resolver has normalised them: no place, no suffix."""
    return _PLACE_WORDS.sub("", name_key(name))


def _unique_names(rng: np.random.Generator, make: Callable[[np.random.Generator, list[int]], list[str]],
                  count: int, taken: set[str] | None = None) -> list[str]:
    """``count`` names from ``make`` that the entity resolver will keep apart.

    Two names collide when their cores (:func:`_core`: normalised, without place
    words or company suffixes) are equal, or — for up to 10,000 names — when
    their normalised keys are as similar as the resolver's fuzzy threshold
    (``rapidfuzz`` ratio >= 90), which would hold them for review.  Collisions
    are redrawn.
    """
    from rapidfuzz import fuzz, process

    out: list[str | None] = [None] * count
    cores: set[str] = {_core(t) for t in taken or ()}
    todo = list(range(count))
    for _ in range(60):
        if not todo:
            break
        for i, name in zip(todo, make(rng, todo), strict=True):
            core = _core(name)
            if core not in cores:
                cores.add(core)
                out[i] = name
        todo = [i for i, n in enumerate(out) if n is None]
        if todo or count > _FUZZY_CHECK_LIMIT:
            continue
        keys = [name_key(str(n)) for n in out]
        scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=90, dtype=np.uint8, workers=1)
        np.fill_diagonal(scores, 0)
        _, second = np.nonzero(np.triu(scores))
        for j in sorted(set(second.tolist())):
            cores.discard(_core(str(out[j])))
            out[j] = None
        todo = [i for i, n in enumerate(out) if n is None]
    if todo:  # pragma: no cover - name space is large
        raise SchemaError(f"could not draw {count} distinct names; use a smaller scale")
    return [str(n) for n in out]


def _zihao(rng: np.random.Generator, count: int) -> np.ndarray:
    chars = np.array(list(_ZIHAO))
    length3 = rng.random(count) < 0.25
    picks = rng.integers(0, len(chars), size=(count, 3))
    two = np.char.add(chars[picks[:, 0]], chars[picks[:, 1]])
    three = np.char.add(two, chars[picks[:, 2]])
    return np.where(length3, three, two)


# ----------------------------------------------------------------------------------------------
# The latent ecosystem
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class _World:
    scale: Scale
    # enterprises
    name: list[str]
    uscc: list[str]
    industry: np.ndarray          # index into INDUSTRIES
    town: list[str]
    city: np.ndarray              # index into _cities(); 0 = 宜兴
    founded: np.ndarray           # year
    capability: np.ndarray
    theta: np.ndarray             # n_f × T topic mixture
    # institutes
    inst: list[tuple[str, str, str, str, str, tuple[str, ...], str]]
    inst_uscc: list[str]
    capacity: np.ndarray
    phi: np.ndarray               # n_u × T
    geo: np.ndarray               # n_cities × n_u
    # tier history (first year of each tier; 0 = never)
    tier_first: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)


def _cities(scale: Scale) -> list[tuple[str, str]]:
    return [("宜兴", "320282"), *(_JIANGSU_CITIES if scale.province else ())]


def _topic_matrix(rng: np.random.Generator, industries_of_row: list[Sequence[str]], strong: float,
                  neighbour: float, base: float) -> np.ndarray:
    names = list(INDUSTRIES)
    alpha = np.full((len(industries_of_row), len(TOPICS)), base)
    topic_industry = np.array([names.index(t[0]) for t in TOPICS])
    for row, inds in enumerate(industries_of_row):
        for ind in inds:
            alpha[row, topic_industry == names.index(ind)] += strong
            for nb in INDUSTRIES[ind][3]:
                alpha[row, topic_industry == names.index(nb)] += neighbour
    gamma = rng.gamma(alpha)
    return gamma / gamma.sum(axis=1, keepdims=True)


def _topic_matrix_vec(rng: np.random.Generator, industry: np.ndarray, strong: float, neighbour: float,
                      base: float) -> np.ndarray:
    """Like :func:`_topic_matrix` for one industry per row, vectorised."""
    names = list(INDUSTRIES)
    topic_industry = np.array([names.index(t[0]) for t in TOPICS])
    per_industry = np.full((len(names), len(TOPICS)), base)
    for i, ind in enumerate(names):
        per_industry[i, topic_industry == i] += strong
        for nb in INDUSTRIES[ind][3]:
            per_industry[i, topic_industry == names.index(nb)] += neighbour
    gamma = rng.gamma(per_industry[industry])
    return gamma / gamma.sum(axis=1, keepdims=True)


def _keywords(rng: np.random.Generator, mixture: np.ndarray, low: int, high: int) -> list[list[str]]:
    """Noisy keyword lists: each term's topic drawn from the row's mixture, the term Zipf-like in the topic."""
    n = len(mixture)
    counts = rng.integers(low, high + 1, size=n)
    total = int(counts.sum())
    rows = np.repeat(np.arange(n), counts)
    cumulative = np.cumsum(mixture, axis=1)
    topics = (rng.random(total)[:, None] > cumulative[rows]).sum(axis=1)
    topics = np.minimum(topics, len(TOPICS) - 1)
    ranks = np.minimum(rng.zipf(1.6, size=total) - 1, 6)
    generic = rng.random(total) < 0.08
    generic_pick = rng.integers(0, len(_GENERIC_TERMS), size=total)
    out: list[list[str]] = [[] for _ in range(n)]
    for row, topic, rank, gen, gp in zip(rows, topics, ranks, generic, generic_pick, strict=True):
        terms = TOPICS[topic][2]
        term = _GENERIC_TERMS[gp] if gen else terms[rank % len(terms)]
        if term not in out[row]:
            out[row].append(term)
    return out


def _build_world(scale: Scale, rng: np.random.Generator) -> _World:
    n = scale.enterprises
    industry_names = list(INDUSTRIES)
    shares = np.array([v[0] for v in INDUSTRIES.values()])
    industry = rng.choice(len(industry_names), size=n, p=shares / shares.sum())

    cities = _cities(scale)
    if scale.province:
        city = np.where(rng.random(n) < 0.03, 0, rng.integers(1, len(cities), size=n))
    else:
        city = np.zeros(n, dtype=np.int64)

    # towns: an industry concentrates in its towns, the rest spread by size
    town_names = [t for t, _ in TOWNS]
    general = np.array([3.0 if kind == "街道" else 1.0 for _, kind in TOWNS])
    general[town_names.index("宜兴经济技术开发区")] = 3.0
    town = np.empty(n, dtype=object)
    for i, ind in enumerate(industry_names):
        rows = np.flatnonzero(industry == i)
        weights = general.copy()
        for rank_of_town, t in enumerate(INDUSTRIES[ind][2]):
            weights[town_names.index(t)] += 24.0 if rank_of_town == 0 else 8.0
        town[rows] = np.array(town_names, dtype=object)[rng.choice(len(town_names), size=len(rows),
                                                                   p=weights / weights.sum())]
    for c, (cname, _) in enumerate(cities):
        if c:
            town[city == c] = f"{cname}市"

    founded = np.concatenate([
        rng.integers(1988, 2000, size=n), rng.integers(2000, 2011, size=n), rng.integers(2011, 2019, size=n),
        rng.integers(2019, 2026, size=n)])
    which = rng.choice(4, size=n, p=[0.15, 0.30, 0.37, 0.18])
    founded = founded.reshape(4, n)[which, np.arange(n)]
    capability = rng.normal(size=n) + 0.15 * (2025 - founded) / 10

    names = _enterprise_names(rng, industry, town, city, cities)
    division = [cities[c][1] for c in city]
    uscc = _usccs(["91"] * n, division, np.arange(n), founded >= 2015)

    theta = _topic_matrix_vec(rng, industry, strong=2.0, neighbour=0.12, base=0.02)

    count = min(scale.institutes, len(INSTITUTES))
    inst = list(INSTITUTES[:count])
    capacity = np.array([_CAPACITY[i[4]] for i in inst]) * rng.lognormal(0.0, 0.3, size=count)
    phi = _topic_matrix(rng, [i[5] for i in inst], strong=1.5, neighbour=0.1, base=0.05)
    inst_uscc = _usccs(["12"] * count, [i[6] for i in inst], np.arange(count) + 5_000_000, np.zeros(count, bool))

    geo = np.empty((len(cities), count))
    for c, (cname, _) in enumerate(cities):
        for u, (_, _, icity, iprov, *_rest) in enumerate(inst):
            if icity == cname:
                w = 6.0
            elif cname == "宜兴" and icity == "无锡":
                w = 4.0
            elif iprov == "江苏":
                w = 2.5 if icity in ("南京", "常州", "苏州") else 2.0
            elif iprov == "上海":
                w = 2.0
            elif iprov == "浙江":
                w = 1.3
            elif iprov == "北京":
                w = 1.0
            else:
                w = 0.5
            geo[c, u] = w
    return _World(scale, names, uscc, industry, list(town), city, founded, capability, theta, inst, inst_uscc,
                  capacity, phi, geo)


def _enterprise_names(rng: np.random.Generator, industry: np.ndarray, town: np.ndarray, city: np.ndarray,
                      cities: list[tuple[str, str]]) -> list[str]:
    industry_names = list(INDUSTRIES)

    def make(r: np.random.Generator, rows: list[int]) -> list[str]:
        count = len(rows)
        zihao = _zihao(r, count)
        pattern = r.choice(7, size=count, p=[0.33, 0.2, 0.08, 0.1, 0.17, 0.06, 0.06])
        word_pick = r.integers(0, 6, size=count)
        latin = r.integers(0, len(_LATIN), size=count)
        out = []
        for row, z, p, w, lt in zip(rows, zihao, pattern, word_pick, latin, strict=True):
            words = INDUSTRIES[industry_names[industry[row]]][1]
            word = words[w % len(words)]
            place = cities[city[row]][0]
            full = "宜兴市" if place == "宜兴" else f"{place}市"
            if town[row] == "湖㳇镇" and p == 0:
                full = "宜兴市湖㳇"
            out.append([f"{full}{z}{word}有限公司", f"江苏{z}{word}有限公司", f"江苏{z}{word}股份有限公司",
                        f"无锡{z}{word}有限公司", f"{place}{z}{word}有限公司", f"{z}（{place}）{word}有限公司",
                        f"{place}{_LATIN[lt]}{word}有限公司"][p])
        return out

    return _unique_names(rng, make, len(industry))


# ----------------------------------------------------------------------------------------------
# Tier ladder and enterprise facts
# ----------------------------------------------------------------------------------------------

def _tiers(world: _World, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Tier history rows (科小 yearly list, other tiers) and the final rank per firm."""
    n = world.scale.enterprises
    c = world.capability
    founded = world.founded
    # 科技型中小企业: the entry year follows the city's registration drive (2022 jumped by 62.6 %)
    entry_p = np.array([0.06, 0.05, 0.06, 0.07, 0.08, 0.12, 0.30, 0.10, 0.06, 0.04, 0.06])
    entry = np.array([*YEARS, 0])[rng.choice(len(entry_p), size=n, p=entry_p / entry_p.sum())]
    entry = np.where(entry > 0, np.maximum(entry, founded + 1), 0)
    entry = np.where(entry > YEARS[-1], 0, entry)

    # 高新技术企业: capability decides; certificates every 3 years, renewals may lapse
    is_hte = rng.random(n) < _sigmoid(1.4 * c - 0.35)
    first_cert = np.maximum(founded + 2, rng.integers(2008, 2026, size=n))
    first_cert = np.where(is_hte & (first_cert <= YEARS[-1]), first_cert, 0)
    hte_rows: list[tuple[int, int]] = []
    current = first_cert.astype(float)
    current[current == 0] = np.nan
    hte_first = np.zeros(n, dtype=np.int64)
    for _ in range(8):
        alive = ~np.isnan(current) & (current <= YEARS[-1])
        for f, y in zip(np.flatnonzero(alive & (current >= YEARS[0])),
                        current[alive & (current >= YEARS[0])].astype(int), strict=True):
            hte_rows.append((f, y))
            if hte_first[f] == 0:
                hte_first[f] = y
        renew = rng.random(n) < _sigmoid(2.0 + 0.8 * c)
        reapply = rng.random(n) < 0.35
        gap = rng.integers(1, 3, size=n)
        current = np.where(~alive, np.nan, np.where(renew, current + 3, np.where(reapply, current + 3 + gap, np.nan)))
    # firms certified before 2016 count as 高企 from their first certificate
    hte_any = np.where(first_cert > 0, first_cert, 0)
    hte_ever = np.zeros(n, dtype=bool)
    if hte_rows:
        hte_ever[np.array([f for f, _ in hte_rows])] = True

    # 专精特新 (省级), a few national 小巨人
    score = c + rng.normal(0, 0.5, size=n)
    srdi_count = round(0.10 * n)
    candidates = np.flatnonzero(hte_ever)
    srdi = candidates[np.argsort(-score[candidates])][:srdi_count]
    srdi_year = np.zeros(n, dtype=np.int64)
    srdi_year[srdi] = np.maximum(np.maximum(hte_any[srdi], 2017) + 1, rng.integers(2018, 2026, size=len(srdi)))
    srdi_year[srdi_year > YEARS[-1]] = 0
    srdi = srdi[srdi_year[srdi] > 0]
    giant_count = round(0.15 * len(srdi))
    giants = srdi[np.argsort(-score[srdi])][:giant_count]
    giant_year = np.zeros(n, dtype=np.int64)
    giant_year[giants] = np.maximum(srdi_year[giants] + 1, rng.integers(2019, 2026, size=len(giants)))
    giant_year[giant_year > YEARS[-1]] = 0

    # 准独角兽: young, strong firms in new industries
    new_industries = [list(INDUSTRIES).index(i) for i in ("新能源", "新材料", "半导体", "生物医药", "数字经济", "环保")]
    young = np.isin(world.industry, new_industries) & (founded >= 2010) & hte_ever
    quasi_count = max(2, round(0.004 * n))
    quasi = np.flatnonzero(young)[np.argsort(-score[young])][:quasi_count]
    quasi_year = np.zeros(n, dtype=np.int64)
    quasi_year[quasi] = np.maximum(np.maximum(hte_any[quasi], 2018) + 1, rng.integers(2020, 2026, size=len(quasi)))
    quasi_year[quasi_year > YEARS[-1]] = 0

    # 科技上市企业: the oldest strong firms
    listed_score = c + 0.04 * (2025 - founded) + rng.normal(0, 0.3, size=n)
    listed_count = max(2, round(0.005 * n))
    listed = np.flatnonzero(hte_ever)[np.argsort(-listed_score[hte_ever])][:listed_count]
    listed_year = np.zeros(n, dtype=np.int64)
    listed_year[listed] = np.maximum(founded[listed] + 8, rng.integers(2010, 2026, size=len(listed)))
    listed_year[listed_year > YEARS[-1]] = 0

    rank = np.where(entry > 0, 1, 0)
    rank = np.where(hte_ever, 2, rank)
    rank = np.where(srdi_year > 0, 3, rank)
    rank = np.where(quasi_year > 0, 4, rank)
    rank = np.where(listed_year > 0, 5, rank)
    world.tier_first = {"科技型中小企业": entry, "高新技术企业": np.where(hte_first > 0, hte_first, hte_any),
                        "专精特新": srdi_year, "准独角兽": quasi_year, "科技上市企业": listed_year}

    # the yearly 科小 list: registered each year from entry while eligible, with gaps
    stop = np.where(rank >= 3, entry + rng.integers(2, 6, size=n), 9999)
    years = np.array(YEARS)
    registered = ((entry[:, None] > 0) & (years[None, :] >= entry[:, None]) & (years[None, :] <= stop[:, None])
                  & ((rng.random((n, len(years))) < 0.9) | (years[None, :] == entry[:, None]))
                  & (years[None, :] >= founded[:, None] + 1))
    firm_idx, year_idx = np.nonzero(registered)
    sme = pd.DataFrame({"firm": firm_idx, "tier": "科技型中小企业", "year": years[year_idx]})
    sme["certificate"] = [f"{y}320282{f % 100000:05d}{i % 10}" for i, (f, y) in
                          enumerate(zip(sme["firm"], sme["year"], strict=True))]

    rows = []
    for f, y in hte_rows:
        rows.append((f, "高新技术企业", y, f"GR{y}32{(f * 37 + y) % 100000:05d}", None, y + 3))
    for f in srdi:
        rows.append((f, "专精特新", int(srdi_year[f]), None, "省级", None))
    for f in giants[giant_year[giants] > 0]:
        rows.append((f, "专精特新", int(giant_year[f]), None, "国家级小巨人", None))
    for f in quasi[quasi_year[quasi] > 0]:
        rows.append((f, "准独角兽", int(quasi_year[f]), None, None, None))
    for f in listed[listed_year[listed] > 0]:
        rows.append((f, "科技上市企业", int(listed_year[f]), None, None, None))
    other = pd.DataFrame(rows, columns=["firm", "tier", "year", "certificate", "level", "valid_until"])
    return sme, other, rank


def _rank_in_year(world: _World, year: int) -> np.ndarray:
    rank = np.zeros(world.scale.enterprises, dtype=np.int64)
    for r, tier in enumerate(("科技型中小企业", "高新技术企业", "专精特新", "准独角兽", "科技上市企业"), start=1):
        first = world.tier_first[tier]
        rank = np.where((first > 0) & (first <= year), r, rank)
    return rank


def _facts(world: _World, rank: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Revenue, R&D, staff and patents consistent with the tier a firm reached."""
    n = world.scale.enterprises
    c = world.capability
    # 高企 are mostly small and mid-sized (median revenue about 5000 万元); 专精特新 and above are bigger
    median = np.array([3000.0, 1500.0, 5000.0, 25000.0, 40000.0, 150000.0])[rank]
    revenue = median * np.exp(0.45 * c + rng.normal(0, 0.6, size=n))
    revenue = np.where(rank == 1, np.minimum(revenue, 19000.0), revenue)
    hte = rank >= 2
    threshold = np.where(revenue < 5000, 0.05, np.where(revenue < 20000, 0.04, 0.03))
    rd_share = np.where(hte, threshold + rng.uniform(0.002, 0.04, size=n), rng.uniform(0.01, 0.07, size=n))
    lapsed = hte & (rng.random(n) < 0.04)  # a few certified firms drift below the line
    rd_share = np.where(lapsed, threshold * rng.uniform(0.5, 0.95, size=n), rd_share)
    per_head = rng.uniform(60, 160, size=n)
    employees = np.maximum(5, np.round(revenue / per_head)).astype(np.int64)
    staff_share = np.where(hte, rng.uniform(0.11, 0.28, size=n), rng.uniform(0.05, 0.30, size=n))
    st_staff = np.maximum(1, np.round(employees * staff_share)).astype(np.int64)
    patents = rng.poisson(np.array([4, 6, 18, 45, 60, 120])[rank] * np.exp(0.3 * c)).astype(np.int64)
    # most patents of tech SMEs and 高企 are utility models (II类); invention patents (I类) grow with the rung
    invention = rng.binomial(patents, np.clip(0.05 * rank + 0.03 * c, 0.02, 0.8)).astype(np.int64)
    hightech_share = np.where(hte, rng.uniform(60, 95, size=n), rng.uniform(15, 75, size=n))
    return pd.DataFrame({
        "revenue": np.round(revenue, 1), "rd_spend": np.round(revenue * rd_share, 1),
        "hightech_revenue_share": np.round(hightech_share, 1), "employees": employees, "st_staff": st_staff,
        "patents": patents, "invention_patents": invention,
    })


# ----------------------------------------------------------------------------------------------
# Dynamics: secondments, events, joint projects
# ----------------------------------------------------------------------------------------------

def _talents(world: _World, rng: np.random.Generator) -> pd.DataFrame:
    """Talents at institutes (the expert pool) and at firms, with topic mixtures."""
    scale = world.scale
    n_inst_talents = round(0.55 * scale.talents)
    n_firm_talents = scale.talents - n_inst_talents
    w_inst = world.capacity * world.geo[0]
    inst_of = _sample_rows(rng, w_inst, n_inst_talents)
    w_firm = np.exp(0.8 * world.capability) * (1 + _rank_in_year(world, YEARS[-1]))
    firm_of = _sample_rows(rng, w_firm, n_firm_talents)
    mix_inst = world.phi[inst_of] + rng.gamma(0.15, size=(n_inst_talents, len(TOPICS)))
    mix_firm = world.theta[firm_of] + rng.gamma(0.1, size=(n_firm_talents, len(TOPICS)))
    mixture = np.vstack([mix_inst, mix_firm])
    mixture /= mixture.sum(axis=1, keepdims=True)

    def make(r: np.random.Generator, rows: list[int]) -> list[str]:
        count = len(rows)
        surname = r.integers(0, len(_SURNAMES), size=count)
        one = r.random(count) < 0.3
        g1 = r.integers(0, len(_GIVEN), size=count)
        g2 = r.integers(0, len(_GIVEN), size=count)
        return [_SURNAMES[s] + _GIVEN[a] + ("" if o else _GIVEN[b]) for s, a, b, o in zip(surname, g1, g2, one,
                                                                                          strict=True)]

    names = _unique_names(rng, make, scale.talents)
    return pd.DataFrame({
        "name": names,
        "inst": np.concatenate([inst_of, np.full(n_firm_talents, -1)]),
        "firm": np.concatenate([np.full(n_inst_talents, -1), firm_of]),
        "mixture": list(mixture),
    })


def _simulate(world: _World, talents: pd.DataFrame, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Run the ten years: secondments, events with meetings, joint and solo projects."""
    scale = world.scale
    n_f, n_u = scale.enterprises, len(world.inst)
    ties = np.zeros((n_f, n_u), dtype=np.int16)
    bridge = np.zeros((n_f, n_u), dtype=np.int8)
    met = np.zeros((n_f, n_u), dtype=np.int8)       # 2 = signed, 1 = follow-up
    theta_n = world.theta / np.linalg.norm(world.theta, axis=1, keepdims=True)
    phi_n = world.phi / np.linalg.norm(world.phi, axis=1, keepdims=True)
    industries = list(INDUSTRIES)
    topic_industry = np.array([industries.index(t[0]) for t in TOPICS])

    secondments: list[tuple[int, int, str, int]] = []   # talent, firm (or -town index - 1), role, year
    meetings: list[tuple[str, int, int, int, str]] = []  # event, firm, inst, year, outcome
    attendance: list[tuple[str, str, int]] = []         # event, kind, index
    events: list[tuple[str, str, str, str, str]] = []   # id, name, date, type, town
    participations: list[tuple[int, str, int, str]] = []  # project, kind, org index, role
    projects: list[tuple[str, str, str, str, int, float]] = []  # id, name, program, level, year, budget

    inst_talents = np.flatnonzero(talents["inst"].to_numpy() >= 0)
    talent_mix = np.vstack(talents["mixture"].to_numpy())
    talent_inst = talents["inst"].to_numpy()
    seconded = np.zeros(len(talents), dtype=bool)
    town_names = [t for t, _ in TOWNS]
    size_factor = max(1.0, n_f / 3000)
    program_shares = np.array([p[2] for p in _PROJECT_PROGRAMS])
    solo_shares = np.array([p[3] for p in _PROJECT_PROGRAMS])
    seq: dict[tuple[str, int], int] = {}

    def new_project(program: int, year: int, topic_terms: tuple[str, str]) -> int:
        short, level, _, _, fmt = _PROJECT_PROGRAMS[program]
        seq[(short, year)] = seq.get((short, year), 0) + 1
        pid = fmt.format(year=year, seq=seq[(short, year)])
        template = _PROJECT_TEMPLATES[(seq[(short, year)] * 7 + year) % len(_PROJECT_TEMPLATES)]
        budget = float(np.round({"宜兴市": 50, "无锡市": 100, "省": 500, "国家": 2000}[level]
                                * rng.lognormal(0, 0.4), 1))
        projects.append((pid, template.format(a=topic_terms[0], b=topic_terms[1]), short, level, year, budget))
        return len(projects) - 1

    def topic_terms(firm_rows: np.ndarray) -> list[tuple[str, str]]:
        topics = np.array([rng.choice(len(TOPICS), p=theta) for theta in world.theta[firm_rows]]) \
            if len(firm_rows) < 2000 else world.theta[firm_rows].argmax(axis=1)
        out = []
        for t in topics:
            terms = TOPICS[t][2]
            i = int(rng.integers(0, len(terms)))
            out.append((terms[i], terms[(i + 1) % len(terms)]))
        return out

    for year in YEARS:
        active = world.founded <= year
        rank = _rank_in_year(world, year)
        lead_weight = np.where(active, np.exp(0.8 * world.capability) * (1 + rank), 0.0)

        # 1. 科技副总: university talents seconded to firms that fit their research
        n_sec = round(_yearly(scale.secondments, year))
        pool = inst_talents[~seconded[inst_talents]]
        if len(pool) and n_sec:
            inst_geo = world.geo[0, talent_inst[pool]]
            chosen = pool[_top_k_gumbel(rng, (inst_geo[None, :]), np.array([min(n_sec, len(pool))]))[0]]
            active_idx = np.flatnonzero(active)
            cand = active_idx if len(active_idx) <= 3000 else rng.choice(active_idx, 3000, replace=False)
            t_n = talent_mix[chosen] / np.linalg.norm(talent_mix[chosen], axis=1, keepdims=True)
            fit = t_n @ theta_n[cand].T
            score = np.exp(5.0 * fit + 0.5 * world.capability[cand][None, :])
            picks = _top_k_gumbel(rng, score, np.ones(len(chosen), dtype=int))
            for talent, pick in zip(chosen, picks, strict=True):
                firm = int(cand[pick[0]])
                secondments.append((int(talent), firm, "科技副总", year))
                bridge[firm, talent_inst[talent]] = 1
                seconded[talent] = True
            # 科技镇长团: a few to towns
            n_town = max(1, n_sec // 5)
            pool = inst_talents[~seconded[inst_talents]]
            for talent in rng.choice(pool, size=min(n_town, len(pool)), replace=False):
                secondments.append((int(talent), -1 - int(rng.integers(0, len(town_names))), "科技镇长团", year))
                seconded[talent] = True

        # 2. events: 对接会 with meetings, trainings and 招商 with attendance
        n_dock = scale.docking_events
        for e in range(n_dock + max(1, n_dock // 2)):
            month = int(rng.integers(3, 12))
            date = f"{year}-{month:02d}-{int(rng.integers(1, 29)):02d}"
            event_id = f"HD{year}{e + 1:03d}"
            town = town_names[int(rng.integers(0, len(town_names)))]
            if e < n_dock:
                theme = int(rng.integers(0, len(industries)))
                events.append((event_id, f"{year}年{industries[theme]}产业产学研对接会（第{e + 1}场）", date,
                               "产学研对接会", town))
                firms_in = np.flatnonzero(active & (world.industry == theme))
                if not len(firms_in):
                    continue
                m = min(len(firms_in), int(rng.integers(20, 45) * size_factor ** 0.5))
                attendees = firms_in[_top_k_gumbel(rng, np.exp(0.5 * world.capability[firms_in])[None, :],
                                                   np.array([m]))[0]]
                strength = world.phi[:, topic_industry == theme].sum(axis=1)
                k_inst = min(n_u, int(rng.integers(5, 12)))
                insts = _top_k_gumbel(rng, (world.capacity * strength * world.geo[0])[None, :],
                                      np.array([k_inst]))[0]
                for u in insts:
                    attendance.append((event_id, "University", int(u)))
                fit = theta_n[attendees] @ phi_n[insts].T
                n_meet = np.minimum(rng.poisson(1.3, size=len(attendees)), len(insts))
                picks = _top_k_gumbel(rng, np.exp(4.0 * fit), n_meet)
                for row, (firm, pick) in enumerate(zip(attendees, picks, strict=True)):
                    if not len(pick):
                        attendance.append((event_id, "Enterprise", int(firm)))
                        continue
                    for col in pick:
                        u = int(insts[col])
                        p_signed = float(_sigmoid(-2.6 + 3.5 * fit[row, col] + 1.2 * (ties[firm, u] > 0)))
                        draw = rng.random()
                        outcome = "signed" if draw < p_signed else ("follow-up" if draw < p_signed + 0.3 else "none")
                        meetings.append((event_id, int(firm), u, year, outcome))
                        met[firm, u] = max(met[firm, u], 2 if outcome == "signed" else int(outcome == "follow-up"))
            elif e % 2 == 0:
                events.append((event_id, f"{year}年创新型企业专题培训班（第{e - n_dock + 1}期）", date, "培训", town))
                m = min(int(active.sum()), int(rng.integers(30, 80) * size_factor ** 0.5))
                for firm in _top_k_gumbel(rng, np.where(active, 1.0 + rank, 1e-9)[None, :], np.array([m]))[0]:
                    attendance.append((event_id, "Enterprise", int(firm)))
                n_agencies = world.tables["agencies_n"]
                for a in rng.choice(n_agencies, size=min(n_agencies, 4), replace=False):
                    attendance.append((event_id, "ServiceAgency", int(a)))
            else:
                events.append((event_id, f"{year}年宜兴科技招商活动（第{e - n_dock + 1}站）", date, "招商活动", town))
                m = min(int(active.sum()), int(rng.integers(10, 30) * size_factor ** 0.5))
                for firm in _top_k_gumbel(rng, np.where(active, np.exp(world.capability), 1e-9)[None, :],
                                          np.array([m]))[0]:
                    attendance.append((event_id, "Enterprise", int(firm)))
                n_funds = world.tables["funds_n"]
                for fnd in rng.choice(n_funds, size=min(n_funds, 3), replace=False):
                    attendance.append((event_id, "Fund", int(fnd)))

        # 3. joint projects, with the state at the end of last year (ties, bridges, meetings)
        n_joint = _yearly(scale.joint_projects, year)
        leads = _sample_rows(rng, lead_weight, n_joint)
        if len(leads):
            binary = (ties > 0)
            co = (binary.T.astype(np.float32) @ binary.astype(np.float32)) if n_f <= 20000 else \
                _sparse_cooccurrence(binary)
            np.fill_diagonal(co, 0)
            triadic = binary[leads].astype(np.float32) @ co
            fit = theta_n[leads] @ phi_n.T
            score = (world.capacity[None, :] * np.exp(5.0 * fit) * world.geo[world.city[leads]]
                     * (1 + 2.0 * binary[leads]) * (1 + 0.35 * np.log1p(triadic))
                     * (1 + 3.0 * bridge[leads]) * (1 + 4.0 * (met[leads] == 2) + 1.5 * (met[leads] == 1)))
            k = rng.choice([1, 2, 3], size=len(leads), p=[0.72, 0.22, 0.06])
            partners = _top_k_gumbel(rng, score, k)
            programs = rng.choice(len(_PROJECT_PROGRAMS), size=len(leads), p=program_shares / program_shares.sum())
            extra = _extra_firms(world, rng, leads, programs, lead_weight)
            terms = topic_terms(leads)
            for i, lead in enumerate(leads):
                pid = new_project(int(programs[i]), year, terms[i])
                national = _PROJECT_PROGRAMS[programs[i]][1] == "国家"
                participations.append((pid, "Enterprise", int(lead), "参与" if national else "牵头"))
                for j, u in enumerate(partners[i]):
                    participations.append((pid, "University", int(u), "牵头" if national and j == 0 else "参与"))
                for firm in extra[i]:
                    participations.append((pid, "Enterprise", int(firm), "参与"))
                for firm in (lead, *extra[i]):
                    ties[firm, partners[i]] += 1
        # 4. projects of firms alone
        n_solo = _yearly(scale.solo_projects, year)
        solo = _sample_rows(rng, lead_weight, n_solo)
        programs = rng.choice(len(_PROJECT_PROGRAMS), size=len(solo), p=solo_shares / solo_shares.sum())
        for lead, program, terms in zip(solo, programs, topic_terms(solo), strict=True):
            pid = new_project(int(program), year, terms)
            participations.append((pid, "Enterprise", int(lead), "牵头"))

    world.tables["ties"] = ties  # type: ignore[assignment]
    return {
        "secondments": pd.DataFrame(secondments, columns=["talent", "target", "role", "year"]),
        "meetings": pd.DataFrame(meetings, columns=["event", "firm", "inst", "year", "outcome"]),
        "attendance": pd.DataFrame(attendance, columns=["event", "kind", "index"]),
        "events": pd.DataFrame(events, columns=["event", "name", "date", "event_type", "town"]),
        "participations": pd.DataFrame(participations, columns=["project", "kind", "index", "role"]),
        "projects": pd.DataFrame(projects, columns=["project_id", "name", "program", "level", "year", "budget"]),
    }


def _sparse_cooccurrence(binary: np.ndarray) -> np.ndarray:
    from scipy import sparse

    matrix = sparse.csr_matrix(binary.astype(np.float32))
    return np.asarray((matrix.T @ matrix).todense(), dtype=np.float32)


def _extra_firms(world: _World, rng: np.random.Generator, leads: np.ndarray, programs: np.ndarray,
                 lead_weight: np.ndarray) -> list[np.ndarray]:
    """Supply-chain partners (same industry) for provincial and national projects."""
    big = np.array([_PROJECT_PROGRAMS[p][1] in ("省", "国家") for p in programs])
    count = np.where(big & (rng.random(len(leads)) < 0.45), rng.integers(1, 3, size=len(leads)), 0)
    out: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in leads]
    for ind in range(len(INDUSTRIES)):
        rows = np.flatnonzero((count > 0) & (world.industry[leads] == ind))
        if not len(rows):
            continue
        members = np.flatnonzero(world.industry == ind)
        picks = members[_sample_rows(rng, lead_weight[members], int(count[rows].sum()))]
        start = 0
        for r in rows:
            chosen = np.unique(picks[start:start + count[r]])
            start += count[r]
            out[r] = chosen[chosen != leads[r]]
    return out


# ----------------------------------------------------------------------------------------------
# Funds, agencies, departments, platforms
# ----------------------------------------------------------------------------------------------

def _funds(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    industries = list(INDUSTRIES)
    fixed = [("宜兴市新动能产业基金（有限合伙）", "政府引导基金", industries),
             ("宜兴市科技创新创业投资基金（有限合伙）", "创投", ["新材料", "半导体", "数字经济", "生物医药"]),
             ("宜兴国际人才金融港天使投资基金（有限合伙）", "天使投资", ["数字经济", "生物医药", "新能源"]),
             ("宜兴市环保产业投资基金（有限合伙）", "产业基金", ["环保"])]
    kinds = (("产业投资", "产业基金"), ("创业投资", "创投"), ("天使投资", "天使投资"), ("股权投资", "产业基金"))
    prefixes = ("宜兴", "宜兴市", "无锡", "江苏", "宜兴国际人才金融港")

    def make(r: np.random.Generator, rows: list[int]) -> list[str]:
        z = _zihao(r, len(rows))
        return [f"{prefixes[int(r.integers(0, len(prefixes)))]}{zz}{kinds[int(r.integers(0, 4))][0]}"
                f"合伙企业（有限合伙）" for zz in z]

    generated = _unique_names(rng, make, max(0, scale.funds - len(fixed)), {f[0] for f in fixed})
    rows = []
    for i, name in enumerate([f[0] for f in fixed][: scale.funds] + generated):
        if i < len(fixed):
            fund_type, focus = fixed[i][1], fixed[i][2]
        else:
            fund_type = next(k[1] for k in kinds if k[0] in name)
            focus = list(rng.choice(industries, size=int(rng.integers(1, 4)), replace=False))
        founded = 2015 + int(rng.integers(0, 8))
        rows.append({"name": name, "fund_type": fund_type, "focus": focus, "founded": founded,
                     "size": float(np.round(rng.lognormal(np.log(50000 if i == 0 else 15000), 0.6), -2)),
                     "manager": f"宜兴{_zihao(rng, 1)[0]}投资管理有限公司"})
    frame = pd.DataFrame(rows)
    frame["uscc"] = _usccs(["91"] * len(frame), ["320282"] * len(frame), np.arange(len(frame)) + 7_000_000,
                           np.ones(len(frame), bool))
    return frame


def _agencies(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    town_names = [t for t, _ in TOWNS]
    weights = np.array([4.0 if t in ("宜城街道", "中国宜兴环保科技工业园", "宜兴经济技术开发区") else 1.0
                        for t in town_names])
    types = [list(rng.choice(_SERVICE_TYPES, size=int(rng.integers(1, 4)), replace=False))
             for _ in range(scale.agencies)]
    def make(r: np.random.Generator, rows: list[int]) -> list[str]:
        out = []
        for row, z in zip(rows, _zihao(r, len(rows)), strict=True):
            words = _SERVICE_WORDS[types[row][0]]
            word = words[int(r.integers(0, len(words)))]
            suffix = "有限责任公司" if word.endswith("事务所") else "有限公司"
            out.append(f"宜兴{z}{word}{suffix}")
        return out

    names = _unique_names(rng, make, scale.agencies)
    frame = pd.DataFrame({
        "name": names, "service_types": types,
        "town": np.array(town_names, dtype=object)[rng.choice(len(town_names), size=scale.agencies,
                                                                  p=weights / weights.sum())],
        "founded": rng.integers(2005, 2023, size=scale.agencies),
    })
    nonprofit = rng.random(scale.agencies) < 0.1
    frame["uscc"] = _usccs(["52" if n else "91" for n in nonprofit], ["320282"] * scale.agencies,
                           np.arange(scale.agencies) + 8_000_000, np.ones(scale.agencies, bool))
    return frame


def _relationships(world: _World, funds: pd.DataFrame, agencies: pd.DataFrame,
                   rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Investments, services, liaisons and platforms, each drawn from latent capability and place."""
    n = world.scale.enterprises
    industries = list(INDUSTRIES)
    size_factor = n / 3000
    invest, serve, liaise, has_platform, co_builds, platforms = [], [], [], [], [], []
    town_arr = np.array(world.town, dtype=object)
    for year in YEARS:
        active = world.founded <= year
        rank = _rank_in_year(world, year)
        # INVESTS_IN: each fund invests a few times a year in its focus industries
        for f, fund in funds.iterrows():
            if fund["founded"] > year:
                continue
            k = int(rng.poisson(1.2))
            focus = np.isin(world.industry, [industries.index(x) for x in fund["focus"]])
            weight = np.where(active, np.exp(1.2 * world.capability) * (1 + rank) * np.where(focus, 5.0, 0.3), 0.0)
            for firm in _sample_rows(rng, weight, k):
                r = int(rank[firm])
                round_name = ("天使轮", "天使轮", "A轮", "B轮", "C轮", "Pre-IPO")[min(r + int(rng.integers(0, 2)), 5)]
                amount = float(np.round({"天使轮": 300, "A轮": 1000, "B轮": 3000, "C轮": 6000, "Pre-IPO": 10000}[
                    round_name] * rng.lognormal(0, 0.5), 1))
                invest.append((f, int(firm), year, amount, round_name))
        # SERVES: agencies serve firms, mostly in their own town (one weight vector per town)
        open_now = np.flatnonzero(agencies["founded"].to_numpy() <= year)
        for town in sorted(set(agencies["town"].iloc[open_now])):
            members = open_now[agencies["town"].to_numpy()[open_now] == town]
            weight = np.where(active, (1.0 + rank) * np.where(town_arr == town, 6.0, 1.0), 0.0)
            k = rng.poisson(4.0, size=len(members))
            picks = _sample_rows(rng, weight, int(k.sum()))
            start = 0
            for a, count in zip(members, k, strict=True):
                kinds = agencies["service_types"].iloc[a]
                for firm in np.unique(picks[start:start + count]):
                    serve.append((int(a), int(firm), year, kinds[int(rng.integers(0, len(kinds)))]))
                start += count
    # LIAISES_WITH: three-year terms of 市领导挂钩 and 部门结对; 百企引航 / 百企竞航 from 2023
    for term in (2017, 2020, 2023):
        rank = _rank_in_year(world, term)
        score = np.where(world.founded <= term, world.capability + 0.5 * rank + rng.normal(0, 0.3, size=n), -np.inf)
        order = np.argsort(-score)
        n_leader, n_dept = round(40 * size_factor), round(150 * size_factor)
        for firm in order[:n_leader]:
            liaise.append((int(rng.integers(0, 2)), int(firm), term, "市领导挂钩"))
        for firm in order[n_leader:n_leader + n_dept]:
            liaise.append((int(rng.integers(2, len(_DEPARTMENTS))), int(firm), term, "部门结对"))
        if term == 2023:
            for firm in order[:round(100 * size_factor)]:
                liaise.append((2 + int(rng.integers(0, 2)), int(firm), term, "百企引航"))
            growth = np.where((rank >= 1) & (rank <= 2) & (world.founded >= 2012), score, -np.inf)
            for firm in np.argsort(-growth)[:round(100 * size_factor)]:
                if np.isfinite(growth[firm]):
                    liaise.append((2 + int(rng.integers(0, 2)), int(firm), term, "百企竞航"))

    # platforms: 高企 and above build R&D institutions, some levelled up; 研究生工作站 are co-built
    final_rank = _rank_in_year(world, YEARS[-1])
    ties = world.tables["ties"]
    hte_first = world.tier_first["高新技术企业"]
    owners = np.flatnonzero((final_rank >= 2) & (rng.random(n) < _sigmoid(1.5 * world.capability - 1.8)))
    levels = (("宜兴市", "市级"), ("无锡市", "无锡市级"), ("江苏省", "省级"), ("国家", "国家级"))
    kinds = ("工程技术研究中心", "企业技术中心", "工程研究中心")
    for firm in owners:
        year = int(max(hte_first[firm] if hte_first[firm] else 2016, 2016) + rng.integers(0, 3))
        short = world.name[firm].replace("宜兴市", "宜兴").split("有限")[0].replace("股份", "")
        topic = int(world.theta[firm].argmax())
        field = TOPICS[topic][1]
        kind = kinds[int(rng.integers(0, len(kinds)))]
        for step, (prefix, level) in enumerate(levels):
            if year > YEARS[-1]:
                break
            if step and rng.random() > (0.45 if step == 1 else 0.3 if step == 2 else 0.08):
                break
            pname = f"{prefix}{field}{kind}（{short}）" if step == 3 else f"{prefix}（{short}）{field}{kind}"
            platforms.append((pname, kind, level, year))
            has_platform.append((int(firm), pname, year))
            year += int(rng.integers(2, 4))
        partners = np.flatnonzero(ties[firm] > 0)
        if len(partners) and rng.random() < 0.5:
            u = int(partners[int(rng.integers(0, len(partners)))])
            pyear = int(min(YEARS[-1], max(2016, hte_first[firm]) + rng.integers(1, 5)))
            pname = f"江苏省企业研究生工作站（{short}）"
            platforms.append((pname, "企业研究生工作站", "省级", pyear))
            has_platform.append((int(firm), pname, pyear))
            co_builds.append((u, pname, pyear))
    return {
        "invest": pd.DataFrame(invest, columns=["fund", "firm", "year", "amount", "round"]),
        "serve": pd.DataFrame(serve, columns=["agency", "firm", "year", "service_type"]),
        "liaise": pd.DataFrame(liaise, columns=["department", "firm", "year", "scheme"]),
        "has_platform": pd.DataFrame(has_platform, columns=["firm", "platform", "year"]),
        "co_builds": pd.DataFrame(co_builds, columns=["inst", "platform", "year"]),
        "platforms": pd.DataFrame(platforms, columns=["name", "platform_type", "level", "year"]),
    }


# ----------------------------------------------------------------------------------------------
# Writing the bureau's files (with dirt)
# ----------------------------------------------------------------------------------------------

def _date_text(rng: np.random.Generator, year: int) -> Any:
    month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    style = rng.random()
    if style < 0.6:
        return f"{year}-{month:02d}-{day:02d}"
    if style < 0.75:
        return f"{year}/{month}/{day}"
    if style < 0.85:
        return f"{year}年{month}月{day}日"
    if style < 0.92:
        return f"{year}年{month}月"
    return dt.datetime(year, month, day)


def _name_variant(rng: np.random.Generator, name: str, allow_fuzzy: bool) -> str:
    """A way the same firm's name is written elsewhere."""
    options = []
    if "（" in name or "(" in name:
        options.append(_swap_brackets(name))
    if name.endswith("有限公司") and not name.endswith("股份有限公司"):
        options.append(name[:-4] + "有限责任公司")
    if any(c.isascii() and c.isalpha() for c in name):
        options.append(_fullwidth(name))
    cut = max(2, len(name) // 2)
    options.append(name[:cut] + ("\n" if rng.random() < 0.5 else " ") + name[cut:])
    if allow_fuzzy and name.startswith("宜兴市"):
        options.append("宜兴" + name[3:])
    return options[int(rng.integers(0, len(options)))]


def _reference(rng: np.random.Generator, names: list[str], codes: list[str | None], rows: np.ndarray) -> list[str]:
    """How another table names a firm: mostly the name, sometimes the USCC or a harmless variant."""
    out = []
    draws = rng.random(len(rows))
    for row, draw in zip(rows, draws, strict=True):
        code = codes[row]
        if draw < 0.08 and code:
            out.append(code)
        elif draw < 0.11:
            name = names[row]
            out.append(_swap_brackets(name) if ("（" in name or "(" in name) else name + " ")
        else:
            out.append(names[row])
    return out


def _write_excel(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    # xlsxwriter: several times faster than openpyxl at province scale.
    fixed = dt.datetime(2025, 12, 31, 12, 0, 0)
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        writer.book.set_properties({"author": "宜兴市科学技术局", "created": fixed})
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)


def _enterprise_sheet(world: _World, facts: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list]:
    n = world.scale.enterprises
    industries = list(INDUSTRIES)
    keywords = _keywords(rng, world.theta, 3, 6)
    seps = np.where(rng.random(n) < 0.85, "、", np.where(rng.random(n) < 0.5, "；", ";"))
    uscc: list[str | None] = list(world.uscc)
    valid_uscc: list[str | None] = list(world.uscc)
    # dirt: some firms' codes are missing (they are known by name only)
    for f in np.flatnonzero(rng.random(n) < 0.02):
        uscc[f] = None
        valid_uscc[f] = None

    def blank(p: float) -> np.ndarray:
        return rng.random(n) < p

    revenue: list[Any] = list(facts["revenue"])
    for f in np.flatnonzero(blank(0.03)):
        revenue[f] = f"{revenue[f]:,.1f}" if rng.random() < 0.5 else f"{revenue[f]}万元"
    frame = pd.DataFrame({
        "企业名称": pd.Series(world.name, dtype=object),
        "统一社会信用代码": pd.Series(uscc, dtype=object),
        "类型": "企业",
        "所属镇（街道、园区）": pd.Series(world.town, dtype=object).where(~blank(0.03), None),
        "所属行业": pd.Series([industries[i] for i in world.industry], dtype=object).where(~blank(0.02), None),
        "成立日期": pd.Series([_date_text(rng, int(y)) for y in world.founded], dtype=object).where(~blank(0.04), None),
        "营业收入(万元)": pd.Series(revenue, dtype=object).where(~blank(0.06), None),
        "研发投入(万元)": pd.Series(facts["rd_spend"], dtype=object).where(~blank(0.08), None),
        "高新技术产品收入占比(%)": pd.Series(facts["hightech_revenue_share"], dtype=object).where(~blank(0.1), None),
        "职工总数": pd.Series(facts["employees"], dtype=object).where(~blank(0.03), None),
        "科技人员数": pd.Series(facts["st_staff"], dtype=object).where(~blank(0.05), None),
        "有效专利数": pd.Series(facts["patents"], dtype=object).where(~blank(0.05), None),
        "发明专利数": pd.Series(facts["invention_patents"], dtype=object).where(~blank(0.06), None),
        "技术领域": pd.Series([s.join(k) for s, k in zip(seps, keywords, strict=True)],
                          dtype=object).where(~blank(0.02), None),
    })
    # dirt: duplicate firms under name variants, with the same, a reformatted or no code; and rows
    # copied from another list with a mistyped code (the ingest report rejects those, the firm stays)
    dups = np.flatnonzero(rng.random(n) < 0.025)
    typos = np.flatnonzero(rng.random(n) < 0.012)
    extra = frame.iloc[np.concatenate([dups, typos])].copy()
    variants, codes = [], []
    for f in dups:
        variants.append(_name_variant(rng, world.name[f], allow_fuzzy=rng.random() < 0.3))
        how = rng.random()
        code = valid_uscc[f]
        if code is None or how < 0.3:
            codes.append(None)
        elif how < 0.5:
            codes.append(" ".join([code[:6], code[6:12], code[12:]]).lower())
        else:
            codes.append(code)
    for f in typos:
        code = world.uscc[f]
        variants.append(world.name[f] if rng.random() < 0.5 else _name_variant(rng, world.name[f], False))
        how = rng.random()
        if how < 0.7:
            codes.append(code[:-1] + ALPHABET[(ALPHABET.index(code[-1]) + 1 + int(rng.integers(0, 29))) % 31])
        elif how < 0.85:
            codes.append(code[:10] + "O" + code[11:])
        else:
            codes.append(code[:-1])
    extra["企业名称"] = variants
    extra["统一社会信用代码"] = codes
    for column in ("营业收入(万元)", "研发投入(万元)", "技术领域", "有效专利数"):
        extra[column] = extra[column].where(rng.random(len(extra)) < 0.5, None)
    combined = pd.concat([frame, extra], ignore_index=True)
    order = rng.permutation(len(combined))
    return combined.iloc[order].reset_index(drop=True), valid_uscc


def generate(out_dir: str | os.PathLike[str], scale: str = "city", seed: int = 2023, *,
             progress: bool = False) -> dict[str, Path]:
    """Write the demo ecosystem as the bureau's files.

    Parameters
    ----------
    out_dir : str or path
        Directory to write into (created if missing; files there are overwritten).
    scale : {"test", "city", "province"}
        ``city``: about 3,000 firms, 135 universities and institutes, 5,600 talents,
        24 funds, 66 agencies.  ``province``: 200,000 firms for benchmarks.
        ``test``: a few hundred firms for unit tests.
    seed : int
        The same seed gives the same files' contents.
    progress : bool
        Show a tqdm progress bar over the steps.

    Returns
    -------
    dict of str to Path
        ``FILE_NAMES`` keys → written paths, in the order to ingest them:
        organisations (XLSX, sheets 企业 / 高校院所 / 基金 / 服务机构 / 平台 / 部门),
        tech_sme (GB18030 CSV, the yearly 科技型中小企业 list), tiers (XLSX),
        talents, participations, relationships (XLSX, one sheet per kind), events.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = generate(tmp, scale="test")
    ...     pd.read_csv(paths["tech_sme"], encoding="gb18030").columns[:3].tolist()
    ['序号', '企业名称', '认定类型']
    """
    if scale not in SCALES:
        raise SchemaError(f"unknown demo scale {scale!r}; use one of: {', '.join(SCALES)}")
    from tqdm.auto import tqdm

    size = SCALES[scale]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    steps = tqdm(total=9, desc="demo: generating", disable=not progress, unit="step")

    world = _build_world(size, rng)
    steps.update()
    funds = _funds(size, rng)
    agencies = _agencies(size, rng)
    world.tables["funds_n"] = len(funds)  # type: ignore[assignment]
    world.tables["agencies_n"] = len(agencies)  # type: ignore[assignment]
    sme, other_tiers, rank = _tiers(world, rng)
    facts = _facts(world, rank, rng)
    steps.update()
    talents = _talents(world, rng)
    dynamics = _simulate(world, talents, rng)
    steps.update()
    rels = _relationships(world, funds, agencies, rng)
    steps.update()

    paths = {key: out / name for key, name in FILE_NAMES.items()}
    enterprise_sheet, valid_uscc = _enterprise_sheet(world, facts, rng)
    inst_names = [i[0] for i in world.inst]
    inst_sheet = pd.DataFrame({
        "单位名称": inst_names,
        "统一社会信用代码": world.inst_uscc,
        "类型": [i[1] for i in world.inst],
        "类别": [i[1] for i in world.inst],
        "所在城市": [i[2] + ("市" if i[2] not in ("北京", "上海", "天津", "重庆") else "") for i in world.inst],
        "所在省份": [i[3] + ("省" if i[3] not in ("北京", "上海", "天津", "重庆") else "市") for i in world.inst],
        "层次": [i[4] for i in world.inst],
        "研究方向": ["、".join(k) for k in _keywords(rng, world.phi, 5, 9)],
    })
    fund_sheet = pd.DataFrame({
        "基金名称": funds["name"], "统一社会信用代码": funds["uscc"], "类型": "基金", "管理人": funds["manager"],
        "基金类型": funds["fund_type"], "基金规模(万元)": funds["size"],
        "投资方向": ["、".join(f) for f in funds["focus"]], "成立日期": [f"{y}-06-30" for y in funds["founded"]],
    })
    agency_sheet = pd.DataFrame({
        "服务机构名称": agencies["name"], "统一社会信用代码": agencies["uscc"], "类型": "服务机构",
        "所属镇（街道、园区）": agencies["town"], "服务类型": ["、".join(t) for t in agencies["service_types"]],
        "成立日期": [f"{y}-03-01" for y in agencies["founded"]],
    })
    platforms = rels["platforms"].drop_duplicates("name")
    platform_sheet = pd.DataFrame({"名称": platforms["name"], "类型": "平台", "平台类型": platforms["platform_type"],
                                   "级别": platforms["level"], "认定年份": platforms["year"]})
    department_sheet = pd.DataFrame({"名称": list(_DEPARTMENTS), "类型": "部门"})
    _write_excel(paths["organisations"], {"企业": enterprise_sheet, "高校院所": inst_sheet, "基金": fund_sheet,
                                          "服务机构": agency_sheet, "平台": platform_sheet, "部门": department_sheet})
    steps.update()

    # tiers: the yearly 科技型中小企业 list in GB18030, the other tiers in an XLSX
    names = world.name
    sme_refs = _reference(rng, names, [None] * len(names), sme["firm"].to_numpy())
    dates = np.random.default_rng([seed, 15])  # its own stream: the dates leave every other draw as it was
    pd.DataFrame({"序号": np.arange(1, len(sme) + 1), "企业名称": sme_refs, "认定类型": "科技型中小企业",
                  "入库年份": sme["year"], "入库编号": sme["certificate"],
                  "入库日期": _month_dates(dates, sme["year"], "科技型中小企业", "month")}).to_csv(
        paths["tech_sme"], index=False, encoding="gb18030")
    other_tiers = other_tiers.sort_values(["tier", "year", "firm"], kind="stable")
    _write_excel(paths["tiers"], {"梯次认定": pd.DataFrame({
        "企业名称": _reference(rng, names, [None] * len(names), other_tiers["firm"].to_numpy()),
        "认定类型": other_tiers["tier"].to_numpy(), "认定年份": other_tiers["year"].to_numpy(),
        "认定日期": [_month_dates(dates, [y], (lv if lv == "国家级小巨人" else t) if t != "科技上市企业" else None)[0]
                 for t, y, lv in zip(other_tiers["tier"], other_tiers["year"], other_tiers["level"], strict=True)],
        "证书编号": other_tiers["certificate"].to_numpy(), "级别": other_tiers["level"].to_numpy(),
        "有效期至": other_tiers["valid_until"].to_numpy()})})
    steps.update()

    _write_talents(paths["talents"], world, talents, dynamics["secondments"], rng, dates)
    steps.update()
    _write_participations(paths["participations"], world, dynamics, valid_uscc, rng, dates)
    _write_relationships(paths["relationships"], world, funds, agencies, rels, valid_uscc, rng, dates)
    steps.update()
    _write_events(paths["events"], world, funds, agencies, dynamics, rng)
    _write_targets(paths["targets"], world, sme, other_tiers, dates)
    steps.update()
    steps.close()
    return paths


def _write_talents(path: Path, world: _World, talents: pd.DataFrame, secondments: pd.DataFrame,
                   rng: np.random.Generator, dates: np.random.Generator) -> None:
    n = len(talents)
    industries = list(INDUSTRIES)
    inst_names = [i[0] for i in world.inst]
    mixture = np.vstack(talents["mixture"].to_numpy())
    keywords = _keywords(rng, mixture, 2, 4)
    field = [_FIELD_NAMES[TOPICS[int(t)][0]] for t in mixture.argmax(axis=1)]
    is_inst = talents["inst"].to_numpy() >= 0
    affiliation = [inst_names[u] if u >= 0 else world.name[f]
                   for u, f in zip(talents["inst"], talents["firm"], strict=True)]
    titles = [(_TITLES_INST if i else _TITLES_FIRM)[int(rng.integers(0, 6))] for i in is_inst]
    programs: list[list[str]] = [[] for _ in range(n)]
    program_year = np.zeros(n, dtype=np.int64)
    draw = rng.random(n)
    for t in range(n):
        if is_inst[t]:
            if draw[t] < 0.25:
                programs[t].append("陶都英才计划")
            elif draw[t] < 0.4:
                programs[t].append("太湖人才计划")
            elif draw[t] < 0.5:
                programs[t].append("省双创计划")
        else:
            if draw[t] < 0.5:
                programs[t].append("陶都英才计划")
            if 0.3 < draw[t] < 0.6:
                programs[t].append("太湖人才计划")
            if draw[t] > 0.75 or not programs[t]:
                programs[t].append("省双创计划")
        founded = int(world.founded[talents["firm"].iloc[t]]) if not is_inst[t] else 2010
        program_year[t] = max(int(rng.integers(2016, 2026)), min(founded + 1, 2025))
    sec_firm: list[str | None] = [None] * n
    sec_role: list[str | None] = [None] * n
    sec_year: list[int | None] = [None] * n
    town_names = [t for t, _ in TOWNS]
    for talent, target, role, year in secondments.itertuples(index=False):
        sec_firm[talent] = world.name[target] if target >= 0 else town_names[-1 - target]
        sec_role[talent] = role
        sec_year[talent] = int(year)
        programs[talent].insert(0, role)
        if program_year[talent] == 0 or len(programs[talent]) == 1:
            program_year[talent] = year
    for t in range(n):
        if not programs[t]:
            program_year[t] = 0
    frame = pd.DataFrame({
        "姓名": talents["name"],
        "工作单位": affiliation,
        "职称": titles,
        "专业领域": field,
        "研究方向": ["、".join(k) for k in keywords],
        "人才计划": ["、".join(p) if p else None for p in programs],
        "入选年份": pd.Series([int(y) if y else None for y in program_year], dtype=object),
        "入选日期": pd.Series([_month_dates(dates, [y], "program", "month")[0] if y else None for y in program_year],
                          dtype=object),
        "选派企业": sec_firm,
        "选派类型": sec_role,
        "选派年份": pd.Series(sec_year, dtype=object),
        "选派日期": pd.Series([_month_dates(dates, [y], r)[0] if y else None for y, r in zip(sec_year, sec_role,
                                                                                         strict=True)], dtype=object),
    })
    del industries
    _write_excel(path, {"人才名单": frame})


def _org_reference(world: _World, kind: str, index: np.ndarray, valid_uscc: list[str | None],
                   rng: np.random.Generator) -> list[str]:
    inst_names = [i[0] for i in world.inst]
    if kind == "University":
        return [inst_names[i] for i in index]
    return _reference(rng, world.name, valid_uscc, index)


def _write_participations(path: Path, world: _World, dynamics: dict[str, pd.DataFrame],
                          valid_uscc: list[str | None], rng: np.random.Generator, dates: np.random.Generator) -> None:
    part = dynamics["participations"]
    projects = dynamics["projects"]
    orgs = np.empty(len(part), dtype=object)
    for kind in ("Enterprise", "University"):
        mask = (part["kind"] == kind).to_numpy()
        orgs[mask] = _org_reference(world, kind, part["index"].to_numpy()[mask], valid_uscc, rng)
    proj = projects.iloc[part["project"].to_numpy()].reset_index(drop=True)
    frame = pd.DataFrame({
        "项目编号": proj["project_id"], "项目名称": proj["name"], "计划类别": proj["program"],
        "项目级别": proj["level"], "承担单位": orgs, "角色": part["role"].to_numpy(), "立项年份": proj["year"],
        "立项日期": proj["project_id"].map(dict(zip(projects["project_id"], _month_dates(
            dates, projects["year"], "project"), strict=True))).to_numpy(),
        "项目经费(万元)": proj["budget"],
    })
    _write_excel(path, {"项目承担": frame})


def _write_relationships(path: Path, world: _World, funds: pd.DataFrame, agencies: pd.DataFrame,
                         rels: dict[str, pd.DataFrame], valid_uscc: list[str | None],
                         rng: np.random.Generator, dates: np.random.Generator) -> None:
    inst_names = [i[0] for i in world.inst]
    # one record per pair and year; the year is the record's key (关系编号), so the history is kept
    inv = rels["invest"].drop_duplicates(["fund", "firm", "year"])
    srv = rels["serve"].drop_duplicates(["agency", "firm", "year"])
    lia = rels["liaise"].drop_duplicates(["department", "firm", "year"])
    hp, cb = rels["has_platform"], rels["co_builds"]
    sheets = {
        "基金投资": pd.DataFrame({
            "起点": funds["name"].to_numpy()[inv["fund"].to_numpy()].tolist(),
            "终点": _reference(rng, world.name, valid_uscc, inv["firm"].to_numpy()),
            "关系类型": "INVESTS_IN", "关系编号": inv["year"].astype(str), "年份": inv["year"], "日期": _month_dates(dates, inv["year"]), "金额(万元)": inv["amount"], "轮次": inv["round"]}),
        "机构服务": pd.DataFrame({
            "起点": agencies["name"].to_numpy()[srv["agency"].to_numpy()].tolist(),
            "终点": _reference(rng, world.name, valid_uscc, srv["firm"].to_numpy()),
            "关系类型": "SERVES", "关系编号": srv["year"].astype(str), "年份": srv["year"], "日期": _month_dates(dates, srv["year"]), "服务类型": srv["service_type"]}),
        "结对挂钩": pd.DataFrame({
            "起点": [_DEPARTMENTS[d] for d in lia["department"]],
            "终点": _reference(rng, world.name, valid_uscc, lia["firm"].to_numpy()),
            "关系类型": "LIAISES_WITH", "关系编号": lia["year"].astype(str), "年份": lia["year"], "日期": _month_dates(dates, lia["year"], "科技副总"), "挂钩方式": lia["scheme"]}),
        "研发平台": pd.concat([
            pd.DataFrame({"起点": _reference(rng, world.name, valid_uscc, hp["firm"].to_numpy()),
                          "终点": hp["platform"], "关系类型": "HAS_PLATFORM", "年份": hp["year"],
                          "日期": _month_dates(dates, hp["year"], "高新技术企业")}),
            pd.DataFrame({"起点": [inst_names[u] for u in cb["inst"]], "终点": cb["platform"],
                          "关系类型": "CO_BUILDS", "年份": cb["year"], "日期": _month_dates(dates, cb["year"])}),
        ], ignore_index=True),
    }
    _write_excel(path, sheets)


def _write_events(path: Path, world: _World, funds: pd.DataFrame, agencies: pd.DataFrame,
                  dynamics: dict[str, pd.DataFrame], rng: np.random.Generator) -> None:
    inst_names = [i[0] for i in world.inst]
    events = dynamics["events"].set_index("event")
    rows = []
    names = {"Enterprise": world.name, "University": inst_names, "Fund": funds["name"].tolist(),
             "ServiceAgency": agencies["name"].tolist()}
    for event, kind, index in dynamics["attendance"].itertuples(index=False):
        rows.append((event, names[kind][index], None, None))
    for event, firm, inst, _year, outcome in dynamics["meetings"].itertuples(index=False):
        rows.append((event, world.name[firm], inst_names[inst], outcome))
    frame = pd.DataFrame(rows, columns=["活动编号", "参会单位", "对接单位", "对接结果"])
    frame = frame.sort_values("活动编号", kind="stable").reset_index(drop=True)
    info = events.loc[frame["活动编号"]]
    frame.insert(1, "活动名称", info["name"].to_numpy())
    frame.insert(2, "活动日期", info["date"].to_numpy())
    frame.insert(3, "活动类型", info["event_type"].to_numpy())
    frame.insert(4, "举办地", info["town"].to_numpy())
    del rng
    _write_excel(path, {"对接活动": frame})


#: The targets the demo's 目标任务分解 sets, as the bureau's columns name them → tier and growth on last year.
_TARGET_COLUMNS = (("科技型中小企业入库(家)", "科技型中小企业", 1.10), ("新认定高新技术企业(家)", "高新技术企业", 1.15),
                   ("新增专精特新企业(家)", "专精特新", 1.20))

#: Cumulative quarter targets (累计到季末) for 科技型中小企业入库, the one indicator set by quarter: registrations
#: come in batches through the year (the demo's ``_MONTHS["科技型中小企业"]``: March to November), whereas 高企
#: certificates are published in the fourth quarter, so a bureau sets them by year only.
_QUARTER_SHARES = ((1, 0.25), (2, 0.5), (3, 0.9), (4, 1.0))


def _write_targets(path: Path, world: _World, sme: pd.DataFrame, other_tiers: pd.DataFrame,
                   dates: np.random.Generator, year: int = YEARS[-1]) -> None:
    """The 目标任务分解 workbook as a bureau lays it out: a title row, a header, one row per town and a 全市 row;
    the year's targets on one sheet and the quarters' of 科技型中小企业入库 (a cumulative share of the year, following
    the registration batches) on another.

    A town's target is last year's count raised by the city's growth goal, with some towns set a stretch.
    """
    records = pd.concat([sme[["firm", "tier", "year"]], other_tiers[["firm", "tier", "year"]]], ignore_index=True)
    records = records[records["year"] == year - 1]
    towns = [t for t, _ in TOWNS]
    town_of = np.asarray(world.town, dtype=object)
    stretch = 1 + 0.3 * dates.random(len(towns))
    year_rows, quarter_rows = [], []
    for position, town in enumerate(towns):
        row: dict[str, Any] = {"序号": position + 1, "镇街": town}
        for column, tier, growth in _TARGET_COLUMNS:
            done = int(((records["tier"] == tier) & (town_of[records["firm"].to_numpy()] == town)).sum())
            row[column] = int(np.ceil(done * growth * stretch[position])) if done else 0
        year_rows.append(row)
        for quarter, share in _QUARTER_SHARES:
            quarter_rows.append({"镇街": town, "年度": year, "季度": f"第{'一二三四'[quarter - 1]}季度",
                                 "指标": _TARGET_COLUMNS[0][0], "目标值": int(np.ceil(row[_TARGET_COLUMNS[0][0]]
                                                                                      * share))})
    total = {"序号": None, "镇街": "全市", **{c: int(sum(r[c] for r in year_rows)) for c, _, _ in _TARGET_COLUMNS}}
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        writer.book.set_properties({"author": "宜兴市科学技术局", "created": dt.datetime(2025, 1, 15, 9, 0, 0)})
        for sheet, frame, title in (
            (f"{year}年度目标", pd.DataFrame([*year_rows, total]),
             f"{year}年度宜兴市创新型企业培育目标任务分解表"),
            ("季度目标", pd.DataFrame(quarter_rows), f"{year}年分季度目标(科技型中小企业入库,累计)"),
        ):
            frame.to_excel(writer, sheet_name=sheet, index=False, startrow=2)
            worksheet = writer.sheets[sheet]
            worksheet.merge_range(0, 0, 0, len(frame.columns) - 1, title)
            worksheet.write(1, 0, "单位:家  制表:市科技局")


def load_demo(store: GraphStore, out_dir: str | os.PathLike[str], scale: str = "city", seed: int = 2023,
              progress: bool = False) -> IngestReport:
    """Generate the demo files into ``out_dir`` and ingest them into ``store``.

    The same as :func:`generate` followed by :func:`ingest.pipeline.ingest_files`
    on the files in their order; running it again with the same seed leaves the
    store as it was.

    Returns
    -------
    IngestReport
        The pipeline's report (``files``, ``to_dict()``, ``to_excel(path)``).
    """
    from ingest.pipeline import ingest_files

    paths = generate(out_dir, scale=scale, seed=seed, progress=progress)
    return ingest_files(store, list(paths.values()), progress=progress)
