"""The ONE name → id resolver: what node does the text a person typed mean?

:func:`resolve` answers with one node (a :class:`Resolution` that says which node and how it
matched) or raises; :func:`search` returns the ranked candidates for a search box.  Both run on
one :class:`NameIndex` with the same normalisation and scores: ``resolve`` is ``search`` plus
the decision rule below.  The CLI, the HTTP API and the notebooks all call these two functions.

Order (the first step that finds something decides; ``matched_by`` names the step)
-----------------------------------------------------------------------------------
1. ``id``: the node id as given.
2. ``uscc``: a 统一社会信用代码 in any case, full-width, with spaces or hyphens, validated by
   :func:`graph.uscc.validate` (check digit included); it is the ``uscc`` property or the id.
3. ``moe_code``: a 10-digit 学校标识码 (the University property ``moe_code``).
4. ``name``: the exact name after :func:`name_key` (full-width → half-width, case, spaces,
   punctuation and brackets ignored).  A person may also be given as ``姓名（单位）`` or
   ``姓名 单位`` (name and affiliation).
5. ``alias``: one of the ``aliases`` (former names, 简称 / short names) after :func:`name_key`.
6. the forgiving match, in three steps:

   - ``variant``: the same name with or without 江苏省/江苏/无锡市/无锡/宜兴市/宜兴 in front,
     有限公司/有限责任公司/股份有限公司/股份/集团/公司 (or Co., Ltd.) at the end, and bracketed
     markers such as （宜兴）（集团）: :func:`variant_key`;
   - ``contains``: the typed text is part of a name or alias (a single character only suggests);
   - ``typo``: one typo (3-5 characters) or up to two (6 or more), by Levenshtein distance on
     :func:`variant_key`, through ``rapidfuzz.process.extract``.
7. ``similar``: rapidfuzz ``ratio`` (Indel similarity of :func:`variant_key`) ≥ 50, part of or a
   typo in a person's name, and for a mistyped USCC the codes one or two characters away.  Only
   ever a suggestion, never a match.

Decision rule
-------------
- Steps 1-6 (``variant`` included): one node → that node; several → :class:`AmbiguousNameError`
  listing them (name, id, kind, town).  An earlier step is never made ambiguous by a later one:
  ``华峰电子`` means 宜兴市华峰电子有限公司 (``variant``) even when 宜兴市华锋电子有限公司 is one
  typo away; ``华丰电子``, one typo from both, is ambiguous.
- ``typo``: the nodes with the fewest typos decide: one → that node, several → ambiguous.
- A person (kind ``Talent``) is matched only by id, exact name, or name and affiliation: a name
  that differs by a character or is only part of a name is another person, so ``contains`` and
  ``typo`` hits on people are suggestions.
- Nothing → :class:`NameNotFoundError` (a :class:`graph.errors.NotFoundError`) with up to
  5 suggestions from :func:`search`.

Scores (0-100, for ranking; the step is in ``matched_by``): 100 id, USCC, 学校标识码, name;
98 alias; 95 variant; 80-90 contains (higher when the text covers more of the name); 75 one
typo, 70 two typos; 60 or less similar.

Speed (``python tests/graph/test_lookup.py 10000 200000``: synthetic Yixing-like names, 90 % firms,
CPU time of one lookup on the shared 2-core build box, p95):

================================  ============  =============
                                  10,000 nodes  200,000 nodes
================================  ============  =============
build the index                   0.19 s        5.1 s
exact name, USCC (lower case)     0.03 ms       0.03 ms
variant (宜兴… without 有限公司)  0.03 ms       0.07 ms
one typo (all kinds)              1.1 ms        39 ms
one typo, ``kinds="Enterprise"``  1.0 ms        28 ms
not found (with the suggestions)  1.6 ms        68 ms
``search`` of a typo (mean)       3.4 ms        45 ms
================================  ============  =============

Exact steps are dictionary lookups; ``contains`` is one ``str.find`` pass per kind; ``typo`` and
``similar`` scan the keys of the wanted kinds (blocking on kinds), so pass ``kinds`` when known.
Build the index once and pass it as ``source``: callers cache it (this module keeps no cache of
its own); it is read-only after building, so threads may share it.

Examples
--------
>>> import pandas as pd
>>> from graph.uscc import with_check_digit
>>> code = with_check_digit("91320282MA1FRC001")
>>> nodes = pd.DataFrame([
...     {"id": code, "kind": "Enterprise", "name": "宜兴市飞润川紫砂有限公司", "uscc": code, "town": "丁蜀镇"},
...     {"id": "u1", "kind": "University", "name": "江南大学", "moe_code": "4132010295", "aliases": ["江大"]},
... ])
>>> index = NameIndex.from_nodes(nodes)
>>> hit = resolve(index, "宜兴飞润川紫砂")
>>> hit.name, hit.matched_by, hit.score
('宜兴市飞润川紫砂有限公司', 'variant', 95.0)
>>> resolve(index, code.lower()).matched_by
'uscc'
>>> resolve(index, "飞润州紫砂").matched_by
'typo'
>>> resolve(index, "江大", kinds="University").id
'u1'
>>> search(index, "紫砂")[["name", "score", "matched_by"]].values.tolist()
[['宜兴市飞润川紫砂有限公司', 84.0, 'contains']]
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from graph import uscc as uscc_module
from graph.errors import AmbiguousNameError, NameNotFoundError
from graph.schema import KINDS, check_kind
from graph.store import GraphStore
from graph.text import simplified

__all__ = [
    "MATCHED_BY",
    "MATCH_ORDER",
    "SEARCH_COLUMNS",
    "AmbiguousNameError",
    "Candidate",
    "NameIndex",
    "NameNotFoundError",
    "Resolution",
    "name_key",
    "resolve",
    "search",
    "variant_key",
]

#: The steps of the lookup, in the order they are tried (``matched_by`` takes these values).
MATCH_ORDER: tuple[str, ...] = ("id", "uscc", "moe_code", "name", "alias", "variant", "contains", "typo", "similar")

#: What each ``matched_by`` value means, in Chinese and English (for messages and tooltips).
MATCHED_BY: dict[str, str] = {
    "id": "编号 / id",
    "uscc": "统一社会信用代码 / USCC",
    "moe_code": "学校标识码 / MoE school code",
    "name": "名称 / name",
    "alias": "曾用名或简称 / former or short name",
    "variant": "去掉地名或公司类型后相同 / same name without place or legal-form words",
    "contains": "名称的一部分 / part of the name",
    "typo": "名称有错别字 / name with a typo",
    "similar": "相近的名称 / similar name",
}

#: Columns of the frame :func:`search` returns.
SEARCH_COLUMNS: list[str] = ["id", "kind", "name", "score", "matched_by", "matched", "town", "affiliation"]

_TIER = {step: i for i, step in enumerate(MATCH_ORDER)}
_FIXED_SCORE = {"id": 100.0, "uscc": 100.0, "moe_code": 100.0, "name": 100.0, "alias": 98.0, "variant": 95.0}
_DECIDING = frozenset(MATCH_ORDER[:-1])  # "similar" only ever suggests
_PERSON_KINDS = frozenset({"Talent"})
_SIMILAR_CUTOFF = 50.0
_MAX_CONTAINS = 20_000  # more hits than this for one text are not worth ranking
_MAX_LISTED = 10
_SUGGESTIONS = 5

# ---------------------------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------------------------
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")", "[": "(", "]": ")",
                           "｛": "(", "｝": ")", "{": "(", "}": ")", "〈": "(", "〉": ")", "《": "(", "》": ")",
                           "「": "(", "」": ")", "『": "(", "』": ")"})
_DROP = re.compile(r"[\s()\.,，。·・'\"“”‘’、\-_/\\&:;：；!！?？*~]+")
_SPACES = re.compile(r"\s+")
_PLACES = ("江苏省", "江苏", "无锡市", "无锡", "宜兴市", "宜兴")
_SHORT_PLACE = {"江苏省": "江苏", "无锡市": "无锡", "宜兴市": "宜兴"}
_PLACE_PREFIX = re.compile(r"^(" + "|".join(_PLACES) + ")")
_MARKERS = re.compile(r"\((江苏省|江苏|无锡市|无锡|宜兴市|宜兴|集团|股份|控股|有限公司)\)")
_LEGAL_ZH = re.compile(
    r"(集团股份有限公司|集团有限责任公司|集团有限公司|股份有限公司|有限责任公司|有限公司|股份公司|集团公司|公司|股份|集团)$"
)
_LEGAL_EN = re.compile(
    r"[\s,.]+(co\.?,?\s*ltd|company\s+limited|co\.?,?\s*limited|limited|ltd|inc|corp|corporation|group)\.?$"
)
#: A name reduced to one of these keeps its place word (江苏大学 is not just 大学).
_GENERIC = frozenset({"大学", "学院", "职业技术学院", "医院", "人民医院", "中医医院", "中学", "高级中学", "小学",
                      "研究院", "研究所", "科学院", "开发区", "高新区", "经济开发区", "经济技术开发区", "银行",
                      "农商银行", "农村商业银行", "电视台", "日报", "图书馆"})
_USCC_SHAPE = re.compile(r"^[0-9A-Z]{18}$")
_MOE_SHAPE = re.compile(r"^\d{10}$")
_PERSON_WITH_AFFILIATION = re.compile(
    r"^\s*(?P<name>[^\s()/@,，、]+)\s*(?:\(\s*(?P<a1>[^()]+?)\s*\)|[\s/@,，、]+(?P<a2>.+?))\s*$"
)


def _clean(text: str) -> str:
    return simplified(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_BRACKETS)).lower()


def name_key(text: object) -> str:
    """The exact-name key: full-width → half-width, Traditional → Simplified (:func:`graph.text.simplified`),
    lower case, no spaces, punctuation or brackets.

    >>> name_key("宜兴市 华通（宜兴）环保 Co., Ltd.")
    '宜兴市华通宜兴环保coltd'
    >>> name_key("ＡＢＣ科技【集团】") == name_key("abc科技(集团)")
    True
    >>> name_key("宜興市丁蜀鎮紫砂工藝廠") == name_key("宜兴市丁蜀镇紫砂工艺厂")
    True
    """
    return _DROP.sub("", _clean(str(text)))


def variant_key(text: object) -> str:
    """The forgiving key: :func:`name_key` without place words in front and legal forms at the end.

    Drops 江苏省/江苏/无锡市/无锡/宜兴市/宜兴 at the start, 有限公司/有限责任公司/股份有限公司/股份/集团/
    公司 (and Co., Ltd., Limited, Inc., Group) at the end, and the markers （宜兴）（江苏）（集团）
    （股份）（控股）（有限公司）.  A name that would shrink to one character or to a generic word
    (大学, 人民医院 …) keeps its place word in its short form (宜兴市 → 宜兴).

    >>> variant_key("宜兴市飞润川紫砂有限公司"), variant_key("宜兴 飞润川紫砂")
    ('飞润川紫砂', '飞润川紫砂')
    >>> variant_key("华通（宜兴）环保科技股份有限公司")
    '华通环保科技'
    >>> variant_key("江苏大学"), variant_key("宜兴市人民医院"), variant_key("宜兴人民医院")
    ('江苏大学', '宜兴人民医院', '宜兴人民医院')
    """
    text = _SPACES.sub(" ", _clean(str(text))).strip()
    for _ in range(3):
        stripped = _LEGAL_EN.sub("", text)
        if stripped == text:
            break
        text = stripped
    text = _MARKERS.sub("", text)
    key = _DROP.sub("", text)
    core = key
    for _ in range(6):  # 江苏省无锡市宜兴市…集团股份有限公司
        stripped = _LEGAL_ZH.sub("", _PLACE_PREFIX.sub("", core))
        if stripped == core or len(stripped) < 2:
            break
        core = stripped
    if core in _GENERIC or len(core) < 2:
        core = key
        for _ in range(4):
            stripped = _LEGAL_ZH.sub("", core)
            if stripped == core or len(stripped) < 2:
                break
            core = stripped
        for long, short in _SHORT_PLACE.items():
            core = core.replace(long, short)
    return core


def _text(value: Any) -> str | None:
    """A non-blank string, or None for None / NaN / pd.NA / an empty string."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            return str(int(value))
        return str(value)
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    return str(value)


def _texts(value: Any) -> list[str]:
    """The aliases of a node as a list of strings (a list, tuple, numpy array or one string)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "ndarray":
        return [t for t in (_text(v) for v in value) if t]
    one = _text(value)
    return [one] if one else []


# ---------------------------------------------------------------------------------------------
# results and errors
# ---------------------------------------------------------------------------------------------
class Candidate(NamedTuple):
    """One ranked candidate: a row of :func:`search`.

    ``matched`` is the text that matched (the name, an alias, the USCC …); ``town`` is the node's
    town (a university's city when it has no town); ``affiliation`` is a person's affiliation.
    """

    id: str
    kind: str
    name: str
    score: float
    matched_by: str
    matched: str
    town: str | None
    affiliation: str | None

    def label(self) -> str:
        """``name [id …, kind, town or affiliation]`` for messages.

        >>> Candidate("e1", "Enterprise", "甲公司", 95.0, "variant", "甲公司", "丁蜀镇", None).label()
        '甲公司 [id e1, Enterprise, 丁蜀镇]'
        """
        place = self.affiliation if self.kind in _PERSON_KINDS else self.town
        parts = [f"id {self.id}", self.kind] + ([place] if place else [])
        return f"{self.name} [{', '.join(parts)}]"


@dataclass(frozen=True)
class Resolution:
    """The node a text means, and how it was found.

    Attributes
    ----------
    id, name, kind : str
        The node.
    matched_by : str
        One of :data:`MATCH_ORDER` (never ``"similar"``); :data:`MATCHED_BY` explains it.
    score : float
        0-100, see the module docstring.
    candidates : tuple of Candidate
        The candidates of the deciding step, best first (the match is the first).
    text : str
        What was looked up.
    matched : str
        The name, alias or code that matched.
    """

    id: str
    name: str
    kind: str
    matched_by: str
    score: float
    candidates: tuple[Candidate, ...]
    text: str = ""
    matched: str = ""

    def describe(self) -> str:
        """One line for a CLI or a log saying what was used and how it matched.

        >>> Resolution("e1", "宜兴市甲有限公司", "Enterprise", "variant", 95.0, (), "甲").describe()
        '“甲” → 宜兴市甲有限公司 [id e1, Enterprise]（去掉地名或公司类型后相同 / same name without place or legal-form words）'
        """
        return f"“{self.text}” → {self.name} [id {self.id}, {self.kind}]（{MATCHED_BY[self.matched_by]}）"


def _what(kinds: frozenset[str] | None) -> tuple[str, str]:
    """The thing looked for, in Chinese and English."""
    if kinds is None:
        return "", "organisation or person"
    ordered = [k for k in KINDS if k in kinds]
    return "、".join(KINDS[k].label_zh for k in ordered), " or ".join(ordered)


def _listing(candidates: Sequence[Candidate]) -> str:
    shown = "; ".join(c.label() for c in candidates[:_MAX_LISTED])
    more = len(candidates) - _MAX_LISTED
    return shown + (f"; 等 {more} 个 / and {more} more" if more > 0 else "")


def _ambiguous(text: str, candidates: Sequence[Candidate]) -> AmbiguousNameError:
    people = all(c.kind in _PERSON_KINDS for c in candidates)
    hint = ("请加上工作单位，如“姓名（单位）” / add the affiliation, e.g. 姓名（单位）" if people
            else "请写全称、统一社会信用代码或编号 / give the full name, the USCC or the id")
    message = (f"“{text}” 对应 {len(candidates)} 个名称 / '{text}' fits {len(candidates)} names: "
               f"{_listing(candidates)}. {hint}")
    return AmbiguousNameError(message, text, candidates)


def _not_found(
    text: str, suggestions: Sequence[Candidate], kinds: frozenset[str] | None, note: str = ""
) -> NameNotFoundError:
    what_zh, what = _what(kinds)
    message = f"找不到 “{text}”{f'（{what_zh}）' if what_zh else ''} / no {what} matches '{text}'"
    if note:
        message += f"; {note}"
    if suggestions:
        message += "; 您是不是要找 / did you mean: " + _listing(suggestions)
    else:
        message += "; 请检查名称，或输入统一社会信用代码、学校标识码 / check the spelling, or give the USCC or 学校标识码"
    return NameNotFoundError(message, text, suggestions)


# ---------------------------------------------------------------------------------------------
# the index
# ---------------------------------------------------------------------------------------------
class _Hit(NamedTuple):
    step: str
    score: float
    row: int
    matched: str


class _KindKeys:
    """The forgiving keys of one kind: parallel lists plus one joined string for substring search."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.rows: list[int] = []
        self.texts: list[str] = []
        self.joined = ""
        self.starts: list[int] = []

    def freeze(self) -> None:
        self.joined = "\n".join(self.keys)
        self.starts, position = [], 0
        for key in self.keys:
            self.starts.append(position)
            position += len(key) + 1


class NameIndex:
    """Every named node, indexed for :func:`resolve` and :func:`search`.

    Build it once with :meth:`from_nodes`, :meth:`from_graph` or :meth:`from_source` and pass it
    as ``source``; it does not change when the store does (build a new one after an ingest).
    Exact lookups (id, USCC, 学校标识码, name, alias, variant) are dictionary lookups; ``contains``
    is a substring search over one joined string per kind; ``typo`` and ``similar`` run
    ``rapidfuzz.process.extract`` over the keys of the wanted kinds only.

    Examples
    --------
    >>> import pandas as pd
    >>> index = NameIndex.from_nodes(pd.DataFrame({"id": ["e1"], "kind": ["Enterprise"], "name": ["宜兴甲科技"]}))
    >>> len(index), index.resolve("甲科技有限公司").id
    (1, 'e1')
    """

    def __init__(self) -> None:
        self.ids: list[Any] = []
        self.kinds: list[str] = []
        self.names: list[str] = []
        self.towns: list[str | None] = []
        self.affiliations: list[str | None] = []
        self._affiliation_keys: list[str | None] = []
        self._by_id: dict[str, int] = {}
        self._by_uscc: dict[str, list[int]] = {}
        self._by_moe: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._by_alias: dict[str, list[tuple[int, str]]] = {}
        self._by_variant: dict[str, list[tuple[int, str]]] = {}
        self._keys: dict[str, _KindKeys] = {}
        self._usccs: list[str] = []
        self._uscc_rows: list[int] = []
        self._full_keys: list[str] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    # ---- building ---------------------------------------------------------------------------------
    @classmethod
    def from_nodes(cls, frame: pd.DataFrame) -> NameIndex:
        """Index a nodes frame: ``id``, ``kind``, ``name`` and any of ``uscc``, ``moe_code``,
        ``aliases``, ``town``, ``city``, ``affiliation`` (the ``GraphStore.nodes()`` shape).

        Rows without an id are skipped; rows without a name are found by id and codes only.
        """
        if "id" not in frame.columns:
            raise ValueError(f"a nodes frame needs an 'id' column; it has {', '.join(map(str, frame.columns))}")
        size = len(frame)

        def column(name: str) -> list[Any]:
            return frame[name].tolist() if name in frame.columns else [None] * size

        index = cls()
        for values in zip(
            column("id"), column("kind"), column("name"), column("uscc"), column("moe_code"), column("aliases"),
            column("town"), column("city"), column("affiliation"), strict=True,
        ):
            index._add(*values)
        index._freeze()
        return index

    @classmethod
    def from_graph(cls, graph: nx.Graph) -> NameIndex:
        """Index the nodes of a networkx graph (``kind``, ``name`` … as node attributes)."""
        index = cls()
        for node, attrs in graph.nodes(data=True):
            index._add(node, attrs.get("kind"), attrs.get("name"), attrs.get("uscc"), attrs.get("moe_code"),
                       attrs.get("aliases"), attrs.get("town"), attrs.get("city"), attrs.get("affiliation"))
        index._freeze()
        return index

    @classmethod
    def from_source(cls, source: GraphStore | pd.DataFrame | nx.Graph | NameIndex) -> NameIndex:
        """An index of ``source``: a :class:`~graph.store.GraphStore` (one ``nodes()`` call), a nodes
        frame, a networkx graph, or a :class:`NameIndex` (returned as it is)."""
        if isinstance(source, NameIndex):
            return source
        if isinstance(source, GraphStore):
            return cls.from_nodes(source.nodes())
        if isinstance(source, pd.DataFrame):
            return cls.from_nodes(source)
        if isinstance(source, nx.Graph):
            return cls.from_graph(source)
        raise TypeError(
            f"source must be a GraphStore, a nodes DataFrame, a networkx graph or a NameIndex, not {type(source).__name__}"
        )

    def _add(self, node_id: Any, kind: Any, name: Any, uscc: Any, moe_code: Any, aliases: Any,
             town: Any, city: Any, affiliation: Any) -> None:
        id_text = _text(node_id)
        if id_text is None:
            return
        row = len(self.ids)
        kind_text = _text(kind) or ""
        name_text = _text(name)
        person = kind_text in _PERSON_KINDS
        self.ids.append(node_id)
        self.kinds.append(kind_text)
        self.names.append(name_text or id_text)
        self.towns.append(_text(town) or _text(city))
        affiliation_text = _text(affiliation) if person else None
        self.affiliations.append(affiliation_text)
        self._affiliation_keys.append(variant_key(affiliation_text) if affiliation_text else None)
        self._by_id.setdefault(id_text, row)

        code = _text(uscc)
        if code is None and len(id_text) == 18 and uscc_module.is_valid(id_text):
            code = id_text
        if code is not None:
            code = uscc_module.normalise(code)
            self._by_uscc.setdefault(code, []).append(row)
            self._usccs.append(code)
            self._uscc_rows.append(row)
        moe = _text(moe_code)
        if moe is not None:
            self._by_moe.setdefault(_DROP.sub("", unicodedata.normalize("NFKC", moe)), []).append(row)

        keys = self._keys.get(kind_text) or self._keys.setdefault(kind_text, _KindKeys())
        seen: set[str] = set()
        for text, is_alias in [(name_text, False)] + [(a, True) for a in _texts(aliases)]:
            if not text:
                continue
            exact = name_key(text)
            if exact:
                target = self._by_alias if is_alias else self._by_name
                entry: Any = (row, text) if is_alias else row
                target.setdefault(exact, []).append(entry)
            loose = exact if person else variant_key(text)
            if loose and loose not in seen:
                seen.add(loose)
                self._by_variant.setdefault(loose, []).append((row, text))
                keys.keys.append(loose)
                keys.rows.append(row)
                keys.texts.append(text)

    def _freeze(self) -> None:
        for keys in self._keys.values():
            keys.freeze()

    # ---- the steps --------------------------------------------------------------------------------
    def _allowed(self, row: int, kinds: frozenset[str] | None) -> bool:
        return kinds is None or self.kinds[row] in kinds

    def _exact(self, text: str, kinds: frozenset[str] | None, everything: bool = False) -> list[_Hit]:
        """Steps id … variant; with ``everything`` every step's hits, else the first step that has any."""
        hits: list[_Hit] = []

        def take(step: str, rows: Iterable[tuple[int, str]]) -> bool:
            found = [_Hit(step, _FIXED_SCORE[step], row, matched) for row, matched in rows
                     if self._allowed(row, kinds)]
            hits.extend(found)
            return bool(found) and not everything

        stripped = text.strip()
        nfkc = unicodedata.normalize("NFKC", stripped).strip()
        for given in dict.fromkeys((text, stripped, nfkc)):
            if given in self._by_id:
                if take("id", [(self._by_id[given], given)]):
                    return hits
                break
        code = uscc_module.normalise(stripped)
        if len(code) == 18 and _USCC_SHAPE.match(code):  # a code as stored (ingest checked its digit)
            rows = self._by_uscc.get(code) or ([self._by_id[code]] if code in self._by_id else [])
            if take("uscc", [(row, code) for row in rows]):
                return hits
        moe = _DROP.sub("", nfkc)
        if _MOE_SHAPE.match(moe) and take("moe_code", [(row, moe) for row in self._by_moe.get(moe, ())]):
            return hits
        exact = name_key(text)
        if exact:
            if take("name", [(row, self.names[row]) for row in self._by_name.get(exact, ())]):
                return hits
            if kinds is None or kinds & _PERSON_KINDS:
                if take("name", self._person_with_affiliation(nfkc)):
                    return hits
            if take("alias", self._by_alias.get(exact, ())):
                return hits
        loose = variant_key(text)
        if loose:
            take("variant", self._by_variant.get(loose, ()))
        return hits

    def _person_with_affiliation(self, text: str) -> list[tuple[int, str]]:
        """``姓名（单位）`` / ``姓名 单位``: people of that name whose affiliation fits."""
        parts = _PERSON_WITH_AFFILIATION.match(_clean(text))
        if not parts:
            return []
        affiliation = variant_key(parts["a1"] or parts["a2"])
        found = []
        for row in self._by_name.get(name_key(parts["name"]), ()):
            own = self._affiliation_keys[row]
            if self.kinds[row] in _PERSON_KINDS and own and affiliation and (affiliation in own or own in affiliation):
                found.append((row, f"{self.names[row]}（{self.affiliations[row]}）"))
        return found

    def _kind_keys(self, kinds: frozenset[str] | None) -> list[tuple[bool, _KindKeys]]:
        """``(is a person kind, keys)`` for the wanted kinds (the blocking of the scans)."""
        return [(kind in _PERSON_KINDS, keys) for kind, keys in self._keys.items() if kinds is None or kind in kinds]

    def _contains(self, loose: str, kinds: frozenset[str] | None) -> list[_Hit]:
        if not loose:
            return []
        hits: list[_Hit] = []
        for person, keys in self._kind_keys(kinds):
            position = keys.joined.find(loose)
            while position != -1 and len(hits) < _MAX_CONTAINS:
                i = bisect_right(keys.starts, position) - 1
                key = keys.keys[i]
                if key != loose:  # part of a person's name is only a suggestion ("similar")
                    share = len(loose) / len(key)
                    hit = (_Hit("similar", round(50.0 + 10.0 * share, 1), keys.rows[i], keys.texts[i]) if person
                           else _Hit("contains", min(89.9, round(80.0 + 10.0 * share, 1)), keys.rows[i], keys.texts[i]))
                    hits.append(hit)
                position = keys.joined.find(loose, keys.starts[i] + len(key) + 1)
        return hits

    def _typos(self, loose: str, kinds: frozenset[str] | None) -> list[_Hit]:
        if len(loose) < 3:
            return []
        most = 1 if len(loose) <= 5 else 2
        hits: list[_Hit] = []
        for person, keys in self._kind_keys(kinds):
            for _key, distance, i in process.extract(
                loose, keys.keys, scorer=Levenshtein.distance, score_cutoff=most, limit=None
            ):
                if distance > 0:  # a person's name with a typo is another person: only a suggestion
                    step, score = ("similar", 60.0 - 5.0 * distance) if person else ("typo", 80.0 - 5.0 * distance)
                    hits.append(_Hit(step, score, keys.rows[i], keys.texts[i]))
        return hits

    def _similar(self, text: str, loose: str, kinds: frozenset[str] | None, limit: int) -> list[_Hit]:
        hits: list[_Hit] = []
        code = uscc_module.normalise(text)
        if _USCC_SHAPE.match(code) and not uscc_module.is_valid(code):
            for matched, distance, i in process.extract(
                code, self._usccs, scorer=Levenshtein.distance, score_cutoff=2, limit=limit
            ):
                if self._allowed(self._uscc_rows[i], kinds):
                    hits.append(_Hit("similar", 60.0 - 10.0 * distance, self._uscc_rows[i], matched))
        if loose:
            for _person, keys in self._kind_keys(kinds):
                for _key, score, i in process.extract(
                    loose, keys.keys, scorer=fuzz.ratio, score_cutoff=_SIMILAR_CUTOFF, limit=limit
                ):
                    hits.append(_Hit("similar", round(0.6 * float(score), 1), keys.rows[i], keys.texts[i]))
        return hits

    def _ranked(self, hits: Iterable[_Hit]) -> list[Candidate]:
        best: dict[int, _Hit] = {}
        for hit in hits:
            old = best.get(hit.row)
            if old is None or (_TIER[hit.step], -hit.score) < (_TIER[old.step], -old.score):
                best[hit.row] = hit
        order = sorted(best.values(), key=lambda h: (_TIER[h.step], -h.score, self.names[h.row], str(self.ids[h.row])))
        return [
            Candidate(self.ids[h.row], self.kinds[h.row], self.names[h.row], h.score, h.step, h.matched,
                      self.towns[h.row], self.affiliations[h.row])
            for h in order
        ]

    def _candidates(self, text: str, kinds: frozenset[str] | None, limit: int | None) -> list[Candidate]:
        """Every step in order; with ``limit`` the later steps stop once ``limit`` nodes are found
        (scores never overlap between steps, so the best ``limit`` are the same); without, the
        first step that finds something (what :meth:`resolve` needs)."""
        everything = limit is not None
        hits = self._exact(text, kinds, everything=everything)
        rows = {h.row for h in hits}
        if (hits and not everything) or (everything and len(rows) >= limit):
            return self._ranked(hits)
        loose = variant_key(text)
        for step in (self._contains, self._typos):
            found = step(loose, kinds)
            hits += found
            rows.update(h.row for h in found if h.step != "similar")
            deciding = any(h.step != "similar" for h in found)
            if (deciding and not everything) or (everything and len(rows) >= limit):
                return self._ranked(hits)
        hits += self._similar(text, loose, kinds, max(limit or 0, _SUGGESTIONS))
        return self._ranked(hits)

    # ---- public -----------------------------------------------------------------------------------
    def search(self, text: object, kinds: str | Iterable[str] | None = None, limit: int = 20) -> pd.DataFrame:
        """See :func:`search`."""
        wanted = _kinds(kinds)
        value = "" if _text(text) is None else str(text)
        found = self._candidates(value, wanted, max(int(limit), 1))[: max(int(limit), 0)] if value else []
        found = self._with_full_names(value, wanted, found, max(int(limit), 0))
        frame = pd.DataFrame([c._asdict() for c in found], columns=SEARCH_COLUMNS)
        return frame.astype({"score": float}) if len(frame) else frame

    def _with_full_names(self, text: str, kinds: frozenset[str] | None, found: list[Candidate],
                         limit: int) -> list[Candidate]:
        """For a search box: names that contain the typed text as written, place words included (宜兴 lists
        every 宜兴… firm, which the forgiving key drops), after the better matches; people excluded."""
        needle = name_key(text) if text else ""
        deciding = sum(c.matched_by != "similar" for c in found)
        if len(needle) < 2 or deciding >= limit:
            return found
        if getattr(self, "_full_keys", None) is None:
            self._full_keys = [name_key(name) for name in self.names]
        have = {c.id for c in found}
        extra = [
            Candidate(self.ids[row], self.kinds[row], self.names[row], round(80.0 + 9.0 * len(needle) / len(key), 1),
                      "contains", self.names[row], self.towns[row], self.affiliations[row])
            for row, key in enumerate(self._full_keys)
            if needle in key and self.ids[row] not in have and self.kinds[row] not in _PERSON_KINDS
            and self._allowed(row, kinds)
        ]
        extra.sort(key=lambda c: (-c.score, c.name, str(c.id)))
        kept = [c for c in found if c.matched_by != "similar"]
        return (kept + extra + [c for c in found if c.matched_by == "similar"])[:limit]

    def resolve(self, text: object, kinds: str | Iterable[str] | None = None) -> Resolution:
        """See :func:`resolve`."""
        wanted = _kinds(kinds)
        value = "" if _text(text) is None else str(text)
        shown = value.strip()
        if not value:
            raise _not_found(shown, [], wanted, "没有输入名称 / nothing was given")
        candidates = self._candidates(value, wanted, None)
        step = candidates[0].matched_by if candidates else "similar"
        deciding = [c for c in candidates if c.matched_by == step] if step in _DECIDING else []
        if step == "typo":  # the fewest typos decide
            deciding = [c for c in deciding if c.score == deciding[0].score]
        elif step == "contains" and len(variant_key(value)) < 2:  # one character only suggests
            deciding = []
        if len(deciding) == 1:
            chosen = deciding[0]
            return Resolution(chosen.id, chosen.name, chosen.kind, chosen.matched_by, chosen.score,
                              tuple(candidates[:_MAX_LISTED]), shown, chosen.matched)
        if len(deciding) > 1:
            raise _ambiguous(shown, deciding)
        # nothing at all, or only "similar" hits: the scan is done; people met by a typo: rank all steps
        suggestions = candidates if step == "similar" else self._candidates(value, wanted, _SUGGESTIONS)
        raise _not_found(shown, suggestions[:_SUGGESTIONS], wanted, self._elsewhere(value, wanted))

    def _elsewhere(self, text: str, kinds: frozenset[str] | None) -> str:
        """A note when the text names a node of a kind that was not asked for, or is a broken USCC."""
        notes = []
        if kinds is not None:
            others = self._ranked(self._exact(text, None))
            if others:
                first = others[0]
                what_zh, what = _what(kinds)
                label_zh = KINDS[first.kind].label_zh if first.kind in KINDS else first.kind
                notes.append(f"“{text.strip()}” 是{label_zh} {first.name}，不是{what_zh} / "
                             f"it is the {first.kind} {first.name} [id {first.id}], not the kind asked for ({what})")
        code = uscc_module.normalise(text)
        if _USCC_SHAPE.match(code) and not notes:
            try:
                uscc_module.validate(code)
            except ValueError as exc:
                notes.append(f"统一社会信用代码有误 / {exc}")
            else:
                notes.append("这个统一社会信用代码有效，但还没有导入 / the USCC is valid but no node carries it (not loaded yet?)")
        return "; ".join(notes)


def _kinds(kinds: str | Iterable[str] | None) -> frozenset[str] | None:
    """Validated kind names (``SchemaError`` for an unknown one); None for all kinds."""
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = (kinds,)
    return frozenset(check_kind(k).name for k in kinds)


# ---------------------------------------------------------------------------------------------
# the two functions every surface calls
# ---------------------------------------------------------------------------------------------
def resolve(
    source: GraphStore | pd.DataFrame | nx.Graph | NameIndex,
    text: object,
    kinds: str | Iterable[str] | None = None,
) -> Resolution:
    """The node ``text`` means, in the order and with the decision rule of the module docstring.

    Parameters
    ----------
    source : GraphStore, pandas.DataFrame, networkx graph or NameIndex
        Where to look; pass a :class:`NameIndex` to look up many texts (building one reads every
        node).
    text : str
        An id, USCC, 学校标识码, name, alias, or a name as people say it.
    kinds : str or iterable of str, optional
        Only these kinds of :data:`graph.schema.KINDS` (e.g. ``("Enterprise",)``); default all.

    Returns
    -------
    Resolution
        ``id, name, kind, matched_by, score, candidates`` (and ``text``, ``matched``).

    Raises
    ------
    AmbiguousNameError
        Several nodes fit equally well; the message and ``candidates`` list them.
    NameNotFoundError
        Nothing fits (a :class:`graph.errors.NotFoundError`); ``suggestions`` has up to 5 names.
    graph.errors.SchemaError
        An unknown kind.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("e1", kind="Enterprise", name="宜兴市华峰电子有限公司", town="丁蜀镇")
    >>> g.add_node("e2", kind="Enterprise", name="宜兴市华锋电子有限公司", town="高塍镇")
    >>> resolve(g, "华峰电子").id
    'e1'
    >>> resolve(g, "华丰电子")
    Traceback (most recent call last):
    ...
    graph.errors.AmbiguousNameError: “华丰电子” 对应 2 个名称 / '华丰电子' fits 2 names: \
宜兴市华峰电子有限公司 [id e1, Enterprise, 丁蜀镇]; 宜兴市华锋电子有限公司 [id e2, Enterprise, 高塍镇]. \
请写全称、统一社会信用代码或编号 / give the full name, the USCC or the id
    >>> resolve(g, "华丰电器")
    Traceback (most recent call last):
    ...
    graph.errors.NameNotFoundError: 找不到 “华丰电器” / no organisation or person matches '华丰电器'; \
您是不是要找 / did you mean: 宜兴市华峰电子有限公司 [id e1, Enterprise, 丁蜀镇]; 宜兴市华锋电子有限公司 [id e2, Enterprise, 高塍镇]
    """
    return NameIndex.from_source(source).resolve(text, kinds)


def search(
    source: GraphStore | pd.DataFrame | nx.Graph | NameIndex,
    text: object,
    kinds: str | Iterable[str] | None = None,
    limit: int = 20,
) -> pd.DataFrame:
    """Ranked candidates for ``text`` (search boxes, ``/entities?q=``), scored as :func:`resolve` scores.

    Parameters
    ----------
    source : GraphStore, pandas.DataFrame, networkx graph or NameIndex
        As for :func:`resolve`.
    text : str
        What was typed; empty gives an empty frame.
    kinds : str or iterable of str, optional
        Only these kinds; default all.
    limit : int
        At most this many rows.

    Returns
    -------
    pandas.DataFrame
        :data:`SEARCH_COLUMNS`: ``id, kind, name, score, matched_by, matched, town, affiliation``,
        one row per node, best first (by step of :data:`MATCH_ORDER`, then score, name, id).
        The first row is what :func:`resolve` returns when it returns.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"id": ["e1", "e2", "t1"], "kind": ["Enterprise", "Enterprise", "Talent"],
    ...                       "name": ["宜兴市精陶科技有限公司", "宜兴精陶新材料有限公司", "王精陶"]})
    >>> search(nodes, "精陶科技", kinds="Enterprise")[["id", "score", "matched_by"]].values.tolist()
    [['e1', 95.0, 'variant']]
    >>> search(nodes, "精陶")[["id", "score", "matched_by"]].values.tolist()
    [['e1', 85.0, 'contains'], ['e2', 84.0, 'contains'], ['t1', 56.7, 'similar']]
    >>> search(nodes, "精陶", kinds="Enterprise")["id"].tolist()
    ['e1', 'e2']
    """
    return NameIndex.from_source(source).search(text, kinds, limit)
