"""graph.lookup: one table of inputs (:data:`CASES`) over one small world (:data:`NODES`), run through the three
source types (nodes frame, SQLite store, networkx graph) that must give the same answers.

The table is meant for reuse: load :data:`NODES` into a store (:func:`load_nodes`) and run each case's ``text``
(and ``kinds``) through the CLI or the API; a case says what must come out:

- ``found``: exactly ``ids[0]``, matched by ``matched_by``;
- ``ambiguous``: an :class:`~graph.lookup.AmbiguousNameError` listing exactly ``ids`` (any order);
- ``not_found``: a :class:`~graph.errors.NotFoundError` whose suggestions include ``ids`` (may be empty).

Run ``python tests/graph/test_lookup.py [10000 200000]`` for the timing figures quoted in graph/lookup.py.
"""

from __future__ import annotations

import pickle
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from graph.errors import InnonetError, NotFoundError, SchemaError
from graph.lookup import (
    MATCH_ORDER,
    MATCHED_BY,
    SEARCH_COLUMNS,
    AmbiguousNameError,
    NameIndex,
    NameNotFoundError,
    Resolution,
    name_key,
    resolve,
    search,
    variant_key,
)
from graph.projection import to_networkx
from graph.sqlite_store import SQLiteStore
from graph.uscc import ALPHABET, with_check_digit

# ---------------------------------------------------------------------------------------------------------------
# the world: real, valid USCCs (computed check digits) as the ids of organisations, as ingest makes them
# ---------------------------------------------------------------------------------------------------------------
FEIRUNCHUAN = with_check_digit("91320282MA1FRC001")
HUAFENG = with_check_digit("91320282MA1HF0001")
HUAFENG_2 = with_check_digit("91320282MA1HF0002")  # 华锋: one character from 华峰
HUATONG = with_check_digit("91320282MA1HT0001")
JINGTAO = with_check_digit("91320200MA1JT0001")
HONGDA = with_check_digit("91320282MA1HD0001")
HONGDA_JS = with_check_digit("91320000MA1HD0002")  # 江苏宏达: same name without place and legal form
JIANGUO = with_check_digit("91320282MA1JG0001")
JIANGNAN_USCC = with_check_digit("12100000466007597")
JIANGNAN = "univ:江南大学"  # universities from the MoE list keep a name id; the USCC is a property
JIANGSU_UNIV = "univ:江苏大学"
JIANGNAN_MOE = "4132010295"
JIANGSU_MOE = "4132010299"
WANG_JN, WANG_HF, LI = "talent:t1", "talent:t2", "talent:t3"

NODES: list[dict[str, Any]] = [
    {"id": FEIRUNCHUAN, "kind": "Enterprise", "name": "宜兴市飞润川紫砂有限公司", "uscc": FEIRUNCHUAN, "town": "丁蜀镇"},
    {"id": HUAFENG, "kind": "Enterprise", "name": "宜兴市华峰电子有限公司", "uscc": HUAFENG, "town": "高塍镇"},
    {"id": HUAFENG_2, "kind": "Enterprise", "name": "宜兴市华锋电子有限公司", "uscc": HUAFENG_2, "town": "和桥镇"},
    {"id": HUATONG, "kind": "Enterprise", "name": "宜兴市华通环保水处理科技有限公司", "uscc": HUATONG,
     "town": "高塍镇", "aliases": ["华通水处理"]},
    {"id": JINGTAO, "kind": "Enterprise", "name": "江苏精陶新材料股份有限公司", "uscc": JINGTAO, "town": "丁蜀镇",
     "aliases": ["精陶股份"]},
    {"id": HONGDA, "kind": "Enterprise", "name": "宜兴市宏达机械有限公司", "uscc": HONGDA, "town": "周铁镇"},
    {"id": HONGDA_JS, "kind": "Enterprise", "name": "江苏宏达机械股份有限公司", "uscc": HONGDA_JS, "town": "新街街道"},
    {"id": JIANGUO, "kind": "Enterprise", "name": "宜兴市建国机械有限公司", "uscc": JIANGUO, "town": "官林镇"},
    {"id": JIANGNAN, "kind": "University", "name": "江南大学", "uscc": JIANGNAN_USCC, "moe_code": JIANGNAN_MOE,
     "aliases": ["江大"], "city": "无锡", "category": "高校"},
    {"id": JIANGSU_UNIV, "kind": "University", "name": "江苏大学", "moe_code": JIANGSU_MOE, "city": "镇江",
     "category": "高校"},
    {"id": WANG_JN, "kind": "Talent", "name": "王建国", "affiliation": "江南大学"},
    {"id": WANG_HF, "kind": "Talent", "name": "王建国", "affiliation": "宜兴市华峰电子有限公司"},
    {"id": LI, "kind": "Talent", "name": "李晓梅", "affiliation": "江苏大学"},
    {"id": "town:丁蜀镇", "kind": "Town", "name": "丁蜀镇", "town_type": "镇"},
]


def nodes_frame() -> pd.DataFrame:
    """:data:`NODES` in the ``GraphStore.nodes()`` shape (object columns, None for missing)."""
    columns = ["id", "kind", "name"] + sorted({c for row in NODES for c in row} - {"id", "kind", "name"})
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in NODES], columns=columns, dtype=object)


def load_nodes(store: Any) -> None:
    """Write :data:`NODES` into a store (for reusing :data:`CASES` through the CLI or the API)."""
    for kind in dict.fromkeys(row["kind"] for row in NODES):
        store.upsert_nodes(kind, [{k: v for k, v in row.items() if k != "kind"} for row in NODES if row["kind"] == kind])


@dataclass(frozen=True)
class Case:
    """One input and what must come out (see the module docstring)."""

    label: str
    text: str
    outcome: str  # "found", "ambiguous" or "not_found"
    ids: tuple[str, ...] = ()
    matched_by: str | None = None
    kinds: tuple[str, ...] | None = None


def _lower_fullwidth(code: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in code.lower())


CASES: list[Case] = [
    # exact name, and the same name typed in full-width with stray spaces
    Case("exact name", "宜兴市飞润川紫砂有限公司", "found", (FEIRUNCHUAN,), "name"),
    Case("name full-width and spaces", " 宜兴市　飞润川紫砂有限公司（ ）", "found", (FEIRUNCHUAN,), "name"),
    # without 有限公司, 宜兴 for 宜兴市, both, and a 江苏 firm named without its province
    Case("short name without 有限公司", "宜兴市飞润川紫砂", "found", (FEIRUNCHUAN,), "variant"),
    Case("宜兴 for 宜兴市", "宜兴飞润川紫砂有限公司", "found", (FEIRUNCHUAN,), "variant"),
    Case("no place, no legal form", "飞润川紫砂", "found", (FEIRUNCHUAN,), "variant"),
    Case("without 江苏 and 股份有限公司", "精陶新材料", "found", (JINGTAO,), "variant"),
    Case("part of the name", "飞润川", "found", (FEIRUNCHUAN,), "contains"),
    Case("one character only suggests", "润", "not_found", (FEIRUNCHUAN,)),
    # aliases (former names, 证券简称)
    Case("alias", "精陶股份", "found", (JINGTAO,), "alias"),
    Case("alias of a university", "江大", "found", (JIANGNAN,), "alias", ("University",)),
    # ids and codes
    Case("id", JIANGNAN, "found", (JIANGNAN,), "id"),
    Case("USCC that is the id", FEIRUNCHUAN, "found", (FEIRUNCHUAN,), "id"),
    Case("USCC lower case", FEIRUNCHUAN.lower(), "found", (FEIRUNCHUAN,), "uscc"),
    Case("USCC full-width lower case", _lower_fullwidth(FEIRUNCHUAN), "found", (FEIRUNCHUAN,), "uscc"),
    Case("USCC with spaces and hyphens", f" {HUATONG[:8]} {HUATONG[8:12]}-{HUATONG[12:]} ", "found", (HUATONG,), "uscc"),
    Case("USCC property (not the id)", JIANGNAN_USCC.lower(), "found", (JIANGNAN,), "uscc"),
    Case("学校标识码", JIANGNAN_MOE, "found", (JIANGNAN,), "moe_code"),
    Case("学校标识码 full-width with spaces", "４１３２ ０１０２９９", "found", (JIANGSU_UNIV,), "moe_code"),
    # 江苏大学 keeps its place word: it is not "大学", and not 江南大学 one typo away
    Case("江苏大学 is a name, not a place + 大学", "江苏大学", "found", (JIANGSU_UNIV,), "name"),
    # typos
    Case("one typo", "宜兴市飞润州紫砂有限公司", "found", (FEIRUNCHUAN,), "typo"),
    Case("two typos", "华同环保水处里科技", "found", (HUATONG,), "typo"),
    # 华峰电子 is exactly 宜兴市华峰电子有限公司 without place and legal form: the earlier step decides, the
    # one-typo 华锋 does not make it ambiguous.  华丰电子 is one typo from both: ambiguous.
    Case("华峰电子: the exact variant wins over a typo", "华峰电子", "found", (HUAFENG,), "variant"),
    Case("华丰电子: one typo from two firms", "华丰电子", "ambiguous", (HUAFENG, HUAFENG_2)),
    Case("two firms with the same short name", "宏达机械", "ambiguous", (HONGDA, HONGDA_JS)),
    Case("the full name settles it", "江苏宏达机械股份有限公司", "found", (HONGDA_JS,), "name"),
    # nothing: suggestions (a mistyped USCC suggests the codes one character away)
    Case("unknown with a suggestion", "飞云紫砂", "not_found", (FEIRUNCHUAN,)),
    Case("unknown, nothing near", "abcdefg", "not_found", ()),
    Case("USCC with a wrong check digit", FEIRUNCHUAN[:17] + ("0" if FEIRUNCHUAN[17] != "0" else "1"),
         "not_found", (FEIRUNCHUAN,)),
    # kinds
    Case("kind filter keeps other kinds out", "江南大学", "not_found", (), None, ("Enterprise",)),
    Case("kind filter", "江南大学", "found", (JIANGNAN,), "name", ("University",)),
    Case("context kinds have names too", "丁蜀镇", "found", ("town:丁蜀镇",), "name", ("Town",)),
    # people: by name, by name and affiliation, never by a typo or part of a name
    Case("talent by name", "李晓梅", "found", (LI,), "name"),
    Case("two talents of one name", "王建国", "ambiguous", (WANG_JN, WANG_HF), None, ("Talent",)),
    Case("talent with affiliation in brackets", "王建国（江南大学）", "found", (WANG_JN,), "name"),
    Case("talent with a short affiliation", "王建国 华峰电子", "found", (WANG_HF,), "name", ("Talent",)),
    Case("a typo in a person's name is another person", "李小梅", "not_found", (LI,), None, ("Talent",)),
    Case("part of a person's name is only a suggestion", "晓梅", "not_found", (LI,)),
    Case("part of a firm's name decides, people's names do not", "建国", "found", (JIANGUO,), "contains"),
]


# ---------------------------------------------------------------------------------------------------------------
# the three sources, each indexed once
# ---------------------------------------------------------------------------------------------------------------
def _store() -> SQLiteStore:
    store = SQLiteStore(":memory:")
    load_nodes(store)
    return store


def _graph() -> nx.MultiDiGraph:
    store = _store()
    try:
        return to_networkx(store)
    finally:
        store.close()


SOURCES = ["frame", "store", "graph"]


@pytest.fixture(scope="module", params=SOURCES)
def source(request: pytest.FixtureRequest) -> Any:
    if request.param == "frame":
        yield nodes_frame()
    elif request.param == "store":
        store = _store()
        yield store
        store.close()
    else:
        yield _graph()


@pytest.fixture(scope="module")
def index(source: Any) -> NameIndex:
    return NameIndex.from_source(source)


def test_cases_cover_every_deciding_step():
    assert {c.matched_by for c in CASES if c.outcome == "found"} == set(MATCH_ORDER) - {"similar"}
    assert {c.outcome for c in CASES} == {"found", "ambiguous", "not_found"}
    assert len({c.label for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_case(index: NameIndex, case: Case):
    if case.outcome == "found":
        hit = index.resolve(case.text, case.kinds)
        assert (hit.id, hit.matched_by) == (case.ids[0], case.matched_by)
        assert hit.candidates[0].id == hit.id
        first = index.search(case.text, case.kinds).iloc[0]  # resolve = search + the decision rule
        assert (first["id"], first["matched_by"], first["score"]) == (hit.id, hit.matched_by, hit.score)
    elif case.outcome == "ambiguous":
        with pytest.raises(AmbiguousNameError) as caught:
            index.resolve(case.text, case.kinds)
        assert sorted(c.id for c in caught.value.candidates) == sorted(case.ids)
        for node_id in case.ids:
            assert node_id in str(caught.value)
        assert set(index.search(case.text, case.kinds)["id"][: len(case.ids)]) == set(case.ids)
    else:
        with pytest.raises(NotFoundError) as caught:
            index.resolve(case.text, case.kinds)
        assert isinstance(caught.value, NameNotFoundError)
        suggested = [c.id for c in caught.value.suggestions]
        assert len(suggested) <= 5
        assert set(case.ids) <= set(suggested)
        if not case.ids:
            assert "请检查名称" in str(caught.value)


@pytest.mark.parametrize("case", CASES[:3] + CASES[-3:], ids=[c.label for c in CASES[:3] + CASES[-3:]])
def test_module_functions_take_the_source_itself(source: Any, case: Case):
    try:
        answer: Any = resolve(source, case.text, case.kinds).id
    except AmbiguousNameError as exc:
        answer = sorted(c.id for c in exc.candidates)
    except NotFoundError:
        answer = None
    expected = case.ids[0] if case.outcome == "found" else sorted(case.ids) if case.outcome == "ambiguous" else None
    assert answer == expected
    assert list(search(source, case.text, case.kinds).columns) == SEARCH_COLUMNS


# ---------------------------------------------------------------------------------------------------------------
# messages and errors
# ---------------------------------------------------------------------------------------------------------------
def test_not_found_message_is_chinese_and_english_with_suggestions():
    with pytest.raises(NotFoundError) as caught:
        resolve(nodes_frame(), "飞云紫砂")
    message = str(caught.value)
    assert message.startswith("找不到 “飞云紫砂” / no organisation or person matches '飞云紫砂'")
    assert "您是不是要找 / did you mean: 宜兴市飞润川紫砂有限公司 [id " + FEIRUNCHUAN + ", Enterprise, 丁蜀镇]" in message
    assert "--" not in message  # names no CLI flag


def test_ambiguous_message_lists_name_id_kind_town():
    with pytest.raises(AmbiguousNameError) as caught:
        resolve(nodes_frame(), "宏达机械")
    message = str(caught.value)
    assert "宜兴市宏达机械有限公司 [id " + HONGDA + ", Enterprise, 周铁镇]" in message
    assert "江苏宏达机械股份有限公司 [id " + HONGDA_JS + ", Enterprise, 新街街道]" in message
    assert "请写全称" in message and "give the full name" in message and "--" not in message


def test_ambiguous_people_are_told_apart_by_affiliation():
    with pytest.raises(AmbiguousNameError) as caught:
        resolve(nodes_frame(), "王建国")
    message = str(caught.value)
    assert "王建国 [id talent:t1, Talent, 江南大学]" in message
    assert "请加上工作单位" in message


def test_kind_mismatch_says_what_the_text_is():
    with pytest.raises(NotFoundError) as caught:
        resolve(nodes_frame(), "江南大学", kinds="Enterprise")
    message = str(caught.value)
    assert "（企业）" in message and "no Enterprise matches" in message
    assert "it is the University 江南大学" in message


def test_broken_uscc_says_what_is_wrong():
    broken = FEIRUNCHUAN[:17] + ("0" if FEIRUNCHUAN[17] != "0" else "1")
    with pytest.raises(NotFoundError, match="check digit is") as caught:
        resolve(nodes_frame(), broken)
    assert caught.value.suggestions[0].id == FEIRUNCHUAN
    assert caught.value.suggestions[0].matched_by == "similar"


def test_unknown_valid_uscc_says_so():
    with pytest.raises(NotFoundError, match="the USCC is valid but no node carries it"):
        resolve(nodes_frame(), with_check_digit("91320282MA1ZZZZZ9".replace("Z", "Y")))


def test_error_classes():
    assert issubclass(AmbiguousNameError, InnonetError) and issubclass(AmbiguousNameError, LookupError)
    assert issubclass(NameNotFoundError, NotFoundError) and issubclass(NameNotFoundError, LookupError)
    with pytest.raises(AmbiguousNameError) as caught:
        resolve(nodes_frame(), "华丰电子")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value) and copy.candidates == caught.value.candidates


def test_empty_text_and_unknown_kind():
    index = NameIndex.from_nodes(nodes_frame())
    with pytest.raises(NotFoundError, match="nothing was given"):
        index.resolve("  ")
    with pytest.raises(NotFoundError):
        index.resolve(None)
    assert index.search("").empty and list(index.search("").columns) == SEARCH_COLUMNS
    with pytest.raises(SchemaError, match="unknown node kind 'Firm'"):
        index.resolve("江南大学", kinds=["Firm"])


def test_resolution_says_which_and_how():
    hit = resolve(nodes_frame(), "宜兴飞润川紫砂")
    assert isinstance(hit, Resolution)
    assert (hit.name, hit.kind, hit.score, hit.text, hit.matched) == (
        "宜兴市飞润川紫砂有限公司", "Enterprise", 95.0, "宜兴飞润川紫砂", "宜兴市飞润川紫砂有限公司"
    )
    assert hit.describe() == f"“宜兴飞润川紫砂” → 宜兴市飞润川紫砂有限公司 [id {FEIRUNCHUAN}, Enterprise]（{MATCHED_BY['variant']}）"
    assert set(MATCHED_BY) == set(MATCH_ORDER)


# ---------------------------------------------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------------------------------------------
def test_search_ranks_steps_then_scores():
    frame = search(nodes_frame(), "华峰电子")
    assert list(frame.columns) == SEARCH_COLUMNS
    assert frame["id"].tolist()[:2] == [HUAFENG, HUAFENG_2]
    assert frame["matched_by"].tolist()[:2] == ["variant", "typo"]
    assert frame["score"].is_monotonic_decreasing
    assert frame["score"].dtype == float


def test_search_limit_and_kinds():
    index = NameIndex.from_nodes(nodes_frame())
    assert len(index.search("华", limit=2)) == 2
    assert set(index.search("华", kinds=("Enterprise",))["kind"]) == {"Enterprise"}
    assert index.search("江", kinds="University")["id"].tolist() == [JIANGNAN, JIANGSU_UNIV]


def test_contains_prefers_the_closest_name():
    frame = search(nodes_frame(), "华通环保")
    assert frame.iloc[0]["id"] == HUATONG and frame.iloc[0]["matched_by"] == "contains"
    assert 80 < frame.iloc[0]["score"] < 90


# ---------------------------------------------------------------------------------------------------------------
# keys and source shapes
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("宜兴市飞润川紫砂有限公司", "飞润川紫砂"),
        ("江苏省无锡市宜兴市飞润川紫砂有限责任公司", "飞润川紫砂"),
        ("宜兴飞润川紫砂股份有限公司", "飞润川紫砂"),
        ("飞润川紫砂（集团）有限公司", "飞润川紫砂"),
        ("飞润川紫砂集团", "飞润川紫砂"),
        ("宜兴 飞润川 紫砂 公司", "飞润川紫砂"),
        ("华通（宜兴）环保科技有限公司", "华通环保科技"),
        ("Yixing Feirun Co., Ltd.", "yixingfeirun"),
        ("Costco", "costco"),
        ("江苏大学", "江苏大学"),
        ("宜兴市人民医院", "宜兴人民医院"),
        ("宜兴", "宜兴"),
    ],
)
def test_variant_key(text: str, key: str):
    assert variant_key(text) == key


def test_name_key_keeps_legal_form():
    assert name_key("宜兴市华峰电子有限公司") != name_key("宜兴市华峰电子股份有限公司")
    assert name_key("Ｈｕａ　Feng【电子】") == name_key("hua feng (电子)") == "huafeng电子"


def test_missing_values_and_array_aliases():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", None, "c"],
            "kind": ["Enterprise", "Enterprise", "Enterprise", None],
            "name": ["宜兴甲科技有限公司", float("nan"), "无编号", "某平台"],
            "aliases": [pd.array(["甲科"], dtype=object).to_numpy(), None, None, float("nan")],
            "moe_code": [None, 4132010295.0, None, None],
        }
    )
    index = NameIndex.from_nodes(frame)
    assert len(index) == 3  # the row without an id is skipped
    assert index.resolve("甲科").matched_by == "alias"
    assert index.resolve("4132010295").id == "b"  # a float code read from a spreadsheet
    assert index.resolve("某平台").kind == ""  # a node without a kind is still found
    with pytest.raises(ValueError, match="'id' column"):
        NameIndex.from_nodes(pd.DataFrame({"name": ["x"]}))
    with pytest.raises(TypeError, match="networkx graph"):
        resolve([], "x")


def test_index_is_reusable_and_not_rebuilt():
    index = NameIndex.from_nodes(nodes_frame())
    assert NameIndex.from_source(index) is index
    assert resolve(index, "精陶股份").id == JINGTAO


# ---------------------------------------------------------------------------------------------------------------
# timing (slow) and the benchmark behind the figures in graph/lookup.py
# ---------------------------------------------------------------------------------------------------------------
_SYLLABLES = "华通宏达飞润川精陶新材料环保科技电子机械紫砂陶瓷电缆金属化工纺织汽车配件光伏储能智能装备医药生物水处理"
_TRADES = ["科技", "电子", "机械", "紫砂", "陶瓷", "环保", "新材料", "电缆", "化工", "智能装备", "生物", "建设"]
_FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
_PLACES = ["宜兴市", "江苏", "无锡", ""]


def synthetic_nodes(count: int, seed: int = 12) -> pd.DataFrame:
    """``count`` distinct synthetic nodes (90% firms with USCC ids, 5% universities, 5% talents)."""
    rng = random.Random(seed)
    rows, names = [], set()
    while len(rows) < count:
        core = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        draw = rng.random()
        if draw < 0.05:
            name = core + "大学"
            kind, extra = "University", {"moe_code": str(rng.randrange(4100000000, 4199999999))}
        elif draw < 0.10:
            name = rng.choice("王李张刘陈杨赵黄周吴") + "".join(rng.choice("建国晓梅伟军华明丽芳") for _ in range(2))
            kind, extra = "Talent", {"affiliation": core + "大学"}
        else:
            name = rng.choice(_PLACES) + core + rng.choice(_TRADES) + rng.choice(_FORMS)
            kind, extra = "Enterprise", {}
        if name in names and kind != "Talent":
            continue
        names.add(name)
        node_id = (with_check_digit("91320282" + "".join(rng.choice(ALPHABET) for _ in range(9)))
                   if kind == "Enterprise" else f"{kind.lower()}:{len(rows)}")
        rows.append({"id": node_id, "kind": kind, "name": name, "uscc": node_id if kind == "Enterprise" else None,
                     "town": "丁蜀镇", **extra})
    return pd.DataFrame(rows, dtype=object)


def _typo(name: str, rng: random.Random) -> str:
    core = variant_key(name)
    at = rng.randrange(len(core))
    return core[:at] + ("郑" if core[at] != "郑" else "秦") + core[at + 1:]


def benchmark(count: int, lookups: int = 200, seed: int = 5) -> dict[str, float]:
    """Build time (s) and p95 lookup times (ms) for ``count`` synthetic nodes.

    CPU time of this process (``time.process_time``), so the figures hold on a shared, busy machine; wall time
    equals it on an idle one.
    """
    clock = time.process_time
    frame = synthetic_nodes(count)
    started = clock()
    index = NameIndex.from_nodes(frame)
    figures = {"build_s": clock() - started}
    rng = random.Random(seed)
    firms = frame[frame["kind"] == "Enterprise"].sample(lookups, random_state=seed)
    texts = {
        "exact_name": list(firms["name"]),
        "uscc_lower": [code.lower() for code in firms["id"]],
        "variant": ["宜兴" + variant_key(name) for name in firms["name"]],
        "typo": [_typo(name, rng) for name in firms["name"]],
        "typo_enterprise_only": [_typo(name, rng) for name in firms["name"]],
        "unknown": ["".join(rng.choice("甲乙丙丁戊己庚辛") for _ in range(5)) for _ in range(lookups)],
    }
    for label, batch in texts.items():
        kinds = ("Enterprise",) if label.endswith("enterprise_only") else None
        times = []
        for text in batch:
            started = clock()
            try:
                index.resolve(text, kinds)
            except LookupError:
                pass
            times.append(clock() - started)
        times.sort()
        figures[f"{label}_p95_ms"] = 1000 * times[int(0.95 * (len(times) - 1))]
    started = clock()
    for text in texts["typo"][:50]:
        index.search(text)
    figures["search_typo_mean_ms"] = 1000 * (clock() - started) / 50
    return figures


@pytest.mark.slow
def test_lookup_speed_at_10000_nodes():
    figures = benchmark(10_000, lookups=100)
    assert figures["build_s"] < 5
    assert figures["exact_name_p95_ms"] < 5 and figures["uscc_lower_p95_ms"] < 5
    assert figures["typo_p95_ms"] < 100


if __name__ == "__main__":  # python tests/graph/test_lookup.py 10000 200000
    for size in [int(arg) for arg in sys.argv[1:]] or [10_000, 200_000]:
        print(size, {k: round(v, 3) for k, v in benchmark(size).items()}, flush=True)
