"""Entity resolution: which record a row, or a name in a row, means.

Order: external id > USCC > 学校标识码 > normalised name (:func:`ingest.normalise.name_key`, aliases
included) > fuzzy match.  Fuzzy matches (rapidfuzz ``ratio`` on the normalised names of the same
kind, score >= :data:`FUZZY_THRESHOLD`, not exact) are never merged silently: the caller holds the
row for review.

>>> index = EntityIndex()
>>> index.add("91320282MA1XXXXX0U", "Enterprise", {"name": "宜兴华通环保科技有限公司", "uscc": "91320282MA1XXXXX0U"})
>>> index.lookup("宜兴华通环保科技有限责任公司", ("Enterprise",))
('91320282MA1XXXXX0U', None)
>>> index.add("org:x", "Enterprise", {"name": "宜兴市华通环保水处理科技有限公司"})
>>> index.fuzzy("宜兴市华通环保水处里科技有限公司", "Enterprise")
('org:x', '宜兴市华通环保水处理科技有限公司', 91.7)
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz, process

from graph import uscc as uscc_module
from graph.errors import InvalidUSCCError
from graph.schema import ORGANISATION_KINDS
from graph.store import GraphStore
from ingest.normalise import clean_name, clean_text, name_key

__all__ = ["FUZZY_THRESHOLD", "ORG_KINDS", "EntityIndex", "external_id", "related_names", "uscc_check"]

#: rapidfuzz ratio (0-100) from which two different names of one kind are held for review
FUZZY_THRESHOLD = 90.0
ORG_KINDS: tuple[str, ...] = ORGANISATION_KINDS  # graph.schema: the one definition
_MOE = re.compile(r"^\d{10}$")
_PLACE = re.compile(r"^(中国|江苏省?|无锡市?|宜兴市?)+")
#: rapidfuzz ratio (0-100) below which two names of one USCC are unrelated (held for review, never merged)
RELATED_THRESHOLD = 60.0


def external_id(source: str, value: Any) -> str:
    """The node id of a record known by an external id column: scoped to the file it came from, so two files'
    ``1`` (or ``E-001``) never meet.  Other files refer to it by the bare id (:meth:`EntityIndex.lookup`).

    >>> external_id("镇A名单.xlsx", "E-001")
    'ext:镇A名单.xlsx:E-001'
    """
    return f"ext:{source}:{value}"


def related_names(name: str, record: dict[str, Any]) -> bool:
    """True when ``name`` may be the record's name (its name or an alias with the same key, one inside the other,
    or close after the place prefix 宜兴市/无锡/江苏 is dropped).

    >>> related_names("宜兴华通环保科技有限公司", {"name": "宜兴市华通环保水处理科技有限公司"})
    True
    >>> related_names("宜兴乙电缆有限公司", {"name": "宜兴甲电子科技有限公司"})
    False
    """
    key = _PLACE.sub("", name_key(name))
    names = [record.get("name"), *(record.get("aliases") or [])]
    for other in names:
        if not isinstance(other, str) or not other:
            continue
        other_key = _PLACE.sub("", name_key(other))
        if not key or not other_key or key == other_key or key in other_key or other_key in key:
            return True
        if fuzz.ratio(key, other_key) >= RELATED_THRESHOLD:
            return True
    return not any(isinstance(n, str) and n for n in names)
_CHECKED: dict[tuple[type, Any], tuple[str | None, str | None]] = {}
_CHECKED_MAX = 500_000


def uscc_check(value: Any) -> tuple[str | None, str | None]:
    """:func:`graph.uscc.validate`, memoised: ``(normalised code, None)`` or ``(None, the error message)``.

    Every name a relationship row gives is first tried as a USCC; a file repeats its names, so each distinct
    text is checked once.

    >>> uscc_check("91320282MA1XXXXX0U")
    ('91320282MA1XXXXX0U', None)
    >>> uscc_check("宜兴华通环保科技有限公司")[0] is None
    True
    """
    key = (value.__class__, value)
    try:
        hit = _CHECKED.get(key)
    except TypeError:  # an unhashable value: check it without the memo
        hit, key = None, None
    if hit is None:
        try:
            hit = (uscc_module.validate(value), None)
        except InvalidUSCCError as exc:
            hit = (None, str(exc))
        if key is not None:
            if len(_CHECKED) >= _CHECKED_MAX:
                _CHECKED.clear()
            _CHECKED[key] = hit
    return hit


class EntityIndex:
    """Every record the store holds plus those staged by the current ingest, indexed for resolution.

    Attributes
    ----------
    kind_of : dict
        id → kind.
    props : dict
        id → properties as stored (and staged).
    stored : dict
        id → (kind, properties) as the store held them when :meth:`from_store` read it (never updated).
    """

    def __init__(self) -> None:
        self.kind_of: dict[str, str] = {}
        self.props: dict[str, dict[str, Any]] = {}
        self.stored: dict[str, tuple[str, dict[str, Any]]] = {}
        self.by_uscc: dict[str, str] = {}
        self.by_moe: dict[str, str] = {}
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.talents_by_name: dict[str, set[str]] = defaultdict(set)
        self.held: dict[str, str] = {}  # name key → display name of rows held for review
        self.by_external: dict[str, set[str]] = defaultdict(set)  # bare external id → scoped node ids
        self._fuzzy: dict[str, dict[str, str]] = defaultdict(dict)  # kind → {key: id}

    @classmethod
    def from_store(cls, store: GraphStore) -> EntityIndex:
        """Index all nodes of ``store`` (one ``nodes()`` call)."""
        index = cls()
        frame = store.nodes()
        if len(frame):
            columns = list(frame.columns)
            for values in frame.itertuples(index=False, name=None):
                record = dict(zip(columns, values))
                node_id, kind = record.pop("id"), record.pop("kind")
                props = {k: v for k, v in record.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
                index.stored[node_id] = (kind, props)
                index.add(node_id, kind, props)
        return index

    # ---- registration -------------------------------------------------------------------------------------
    def add(self, node_id: str, kind: str, props: dict[str, Any]) -> None:
        """Register (or update) a record so later rows resolve to it."""
        self.kind_of[node_id] = kind
        stored = self.props.setdefault(node_id, {})
        stored.update(props)
        if node_id.startswith("ext:"):
            self.by_external[node_id.split(":", 2)[-1]].add(node_id)
        if kind == "Talent":
            name = stored.get("name")
            if name:
                self.talents_by_name[clean_name(name) or ""].add(node_id)
            return
        if stored.get("uscc"):
            self.by_uscc[str(stored["uscc"])] = node_id
        if stored.get("moe_code"):
            self.by_moe[str(stored["moe_code"])] = node_id
        names = [stored.get("name"), *(stored.get("aliases") or [])]
        for name in names:
            if isinstance(name, str) and name:
                key = name_key(name)
                if key:
                    self.by_key[key].add(node_id)
                    if kind in ORG_KINDS:
                        self._fuzzy[kind].setdefault(key, node_id)

    def remove(self, node_id: str) -> None:
        """Forget a record (after it migrated to another id)."""
        kind = self.kind_of.pop(node_id, None)
        props = self.props.pop(node_id, {})
        for name in [props.get("name"), *(props.get("aliases") or [])]:
            if isinstance(name, str):
                key = name_key(name)
                self.by_key.get(key, set()).discard(node_id)
                if kind and self._fuzzy[kind].get(key) == node_id:
                    del self._fuzzy[kind][key]

    # ---- lookups ------------------------------------------------------------------------------------------
    def by_name(self, name: str, kinds: Iterable[str]) -> list[str]:
        """Ids of records of ``kinds`` whose name or alias has the same key as ``name``."""
        ids = self.by_key.get(name_key(name))
        if not ids:
            return []
        allowed = kinds if isinstance(kinds, (tuple, frozenset, set)) else set(kinds)
        if len(ids) == 1:
            (only,) = ids
            return [only] if self.kind_of.get(only) in allowed else []
        return sorted(i for i in ids if self.kind_of.get(i) in allowed)

    def lookup(self, text: Any, kinds: Iterable[str], uscc: Any = None) -> tuple[str | None, str | None]:
        """Resolve an id, USCC, 学校标识码 or name to one record of ``kinds``.

        Returns
        -------
        (id, None) when found, (None, reason) otherwise; the reason says what to do.
        """
        kinds = tuple(kinds)
        candidates = []
        if uscc is not None:
            code = uscc_check(uscc)[0]
            if code is not None:
                candidates.append(code)
        value = clean_text(text)
        if value is None and not candidates:
            return None, "is empty"
        if value is not None:
            candidates.append(value)
        for candidate in candidates:
            if candidate in self.kind_of:
                return self._check_kind(candidate, kinds, candidate)
            scoped = self.by_external.get(candidate)
            if scoped:
                matches = sorted(i for i in scoped if self.kind_of.get(i) in kinds)
                if len(matches) == 1:
                    return matches[0], None
                if len(matches) > 1:
                    return None, (f"id {candidate!r} matches several records ({', '.join(matches[:4])}); "
                                  "give the USCC or the name instead")
            code = uscc_check(candidate)[0]
            if code is not None and code in self.by_uscc:
                return self._check_kind(self.by_uscc[code], kinds, candidate)
            if _MOE.match(candidate) and candidate in self.by_moe:
                return self._check_kind(self.by_moe[candidate], kinds, candidate)
        if value is None:
            return None, f"no record with USCC {candidates[0]!r}; load the organisation first"
        ids = self.by_name(value, kinds)
        if len(ids) > 1:  # 有限公司 and 股份有限公司 of one name: the exact display name (or alias) decides
            exact = [i for i in ids if value == self.props[i].get("name") or value in (self.props[i].get("aliases") or [])]
            ids = exact if len(exact) == 1 else ids
        if len(ids) == 1:
            return ids[0], None
        if len(ids) > 1:
            return None, f"{value!r} matches several records ({', '.join(ids[:4])}); give the id or USCC instead"
        if "Talent" in kinds:
            talents = sorted(self.talents_by_name.get(clean_name(value) or "", ()))
            if len(talents) == 1:
                return talents[0], None
            if len(talents) > 1:
                return None, f"several talents are named {value!r}; give the talent id instead"
        if name_key(value) in self.held:
            return None, f"{value!r} is held for review (fuzzy match); decide in the review file and re-run"
        wanted = "/".join(kinds)
        return None, f"no {wanted} with id, USCC or name {value!r}; load it first (organisations table)"

    def _check_kind(self, node_id: str, kinds: tuple[str, ...], given: str) -> tuple[str | None, str | None]:
        kind = self.kind_of[node_id]
        if kind in kinds:
            return node_id, None
        return None, f"{given!r} is a {kind} ({node_id}); here a {'/'.join(kinds)} is needed"

    def fuzzy(self, name: str, kind: str, exclude: Iterable[str] = ()) -> tuple[str, str, float] | None:
        """The closest record of ``kind`` whose normalised name scores >= FUZZY_THRESHOLD but is not equal.

        Returns ``(candidate_id, candidate_name, score)`` or None.
        """
        key = name_key(name)
        choices = self._fuzzy.get(kind)
        if not key or not choices:
            return None
        skip = set(exclude)
        best = None
        for match_key, score, _ in process.extract(
            key, list(choices), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=5
        ):
            node_id = choices[match_key]
            if match_key == key or node_id in skip:
                continue
            best = (node_id, str(self.props.get(node_id, {}).get("name", match_key)), round(float(score), 1))
            break
        return best
