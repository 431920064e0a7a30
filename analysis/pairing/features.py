"""Pair features: every matrix a signal needs, with the graph cut at a year (:class:`_Snapshot`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis.pairing.data import PairingData
from analysis.pairing.text import _as_list, _country, _phrase_tokens, _place, _year
from graph.errors import SchemaError
from graph.schema import tier_rank
from graph.uscc import location

__all__ = ["FEATURES", "FEATURE_NAMES", "SIGNALS"]

#: The signal groups, in the order reasons are reported.
SIGNALS: tuple[str, ...] = ("content", "graph", "location", "popularity", "tier", "meetings")

#: The pair features of each signal.
FEATURES: dict[str, tuple[str, ...]] = {
    "content": ("content_cosine", "content_peer", "industry_share"),
    "graph": ("three_path", "resource_allocation", "talent_bridge", "firm_network"),
    "location": ("same_town", "same_city", "same_province", "same_country"),
    "popularity": ("partner_degree", "partner_recent", "partner_size", "firm_degree"),
    "tier": ("firm_tier", "partner_mean_tier", "tier_gap"),
    "meetings": ("met_before", "met_signed", "met_followup", "partner_meeting_success"),
}

_RECENT_YEARS = 3

FEATURE_NAMES: tuple[str, ...] = tuple(f for s in SIGNALS for f in FEATURES[s])
_SIGNAL_COLUMNS: dict[str, list[int]] = {
    s: [FEATURE_NAMES.index(f) for f in FEATURES[s]] for s in SIGNALS
}



def _row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def _inverse(values: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values, dtype=float)
    nonzero = values > 0
    out[nonzero] = 1.0 / values[nonzero]
    return out


@dataclass
class _Texts:
    firm: sp.csr_matrix
    target: sp.csr_matrix
    firm_phrases: list[list[str]]
    target_phrases: list[list[str]]


def _texts(data: PairingData, target: str) -> _Texts:
    industry_of: dict[int, list[str]] = {}
    for row in data.typed(["IN_INDUSTRY"], "Enterprise", "Industry").itertuples():
        industry_of.setdefault(int(row.s), []).append(str(data.names[row.dst]))

    def phrases(kind: str) -> list[list[str]]:
        out = []
        keywords, industry, field_ = data.prop(kind, "keywords"), data.prop(kind, "industry"), data.prop(kind, "field")
        for i in range(data.count(kind)):
            items = _as_list(keywords[i]) + _as_list(industry[i]) + _as_list(field_[i])
            if kind == "Enterprise":
                items += industry_of.get(i, [])
            out.append(list(dict.fromkeys(items)))
        return out

    firm_phrases, target_phrases = phrases("Enterprise"), phrases(target)
    docs = firm_phrases + target_phrases
    vectorizer = TfidfVectorizer(analyzer=_phrase_tokens, sublinear_tf=True, dtype=np.float64)
    try:
        matrix = sp.csr_matrix(vectorizer.fit_transform(docs))
    except ValueError:  # empty vocabulary: no keywords anywhere
        matrix = sp.csr_matrix((len(docs), 1))
    n_firms = len(firm_phrases)
    return _Texts(matrix[:n_firms], matrix[n_firms:], firm_phrases, target_phrases)


#: Place levels of the location signal, finest first.
_PLACE_LEVELS: tuple[str, ...] = ("town", "city", "province", "country")


def _places(data: PairingData, kind: str) -> dict[str, list[set[str]]]:
    """Per node of ``kind``: sets of place names at town, city, province and country level.

    From the node's ``town`` / ``county`` / ``city`` / ``province`` / ``country`` and LOCATED_IN; a
    Chinese organisation's country, province and city also come from its USCC's division code
    (:func:`graph.uscc.location`) when the record has none.
    """
    n = data.count(kind)
    columns = {name: data.prop(kind, name) for name in ("town", "county", "city", "province", "country", "uscc")}
    out: dict[str, list[set[str]]] = {level: [set() for _ in range(n)] for level in _PLACE_LEVELS}
    ids = data.ids[data.members(kind)]
    for i in range(n):
        for level, column in (("town", "town"), ("city", "county"), ("city", "city"), ("province", "province")):
            name = _place(columns[column][i])
            if name:
                out[level][i].add(name)
        country = _country(columns["country"][i])
        code = columns["uscc"][i] if isinstance(columns["uscc"][i], str) else (ids[i] if kind != "Talent" else None)
        registered = location(code) if isinstance(code, str) and len(code) == 18 else None
        if registered and registered["country"]:
            country = country or registered["country"]
            for level, part in (("province", "province"), ("city", "city"), ("city", "prefecture")):
                if registered[part]:
                    out[level][i].add(_place(registered[part]) or registered[part])
        if country is None and (out["province"][i] or out["city"][i]) and kind != "Talent":
            country = "CN"  # a province or city given without a country: this deployment is Chinese
        if country:
            out["country"][i].add(country)
        # a province and a city are only the same place within one country
        if country and country != "CN":
            out["province"][i] = {f"{country}:{p}" for p in out["province"][i]}
            out["city"][i] = {f"{country}:{c}" for c in out["city"][i]}
    located = data.typed(["LOCATED_IN"], kind, "Town")
    for row in located.itertuples():
        out["town"][int(row.s)].add(_place(str(data.names[row.dst])) or str(data.names[row.dst]))
    return out


def _place_matrix(sets: list[set[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    rows, cols = [], []
    for i, names in enumerate(sets):
        for name in names:
            rows.append(i)
            cols.append(vocabulary.setdefault(name, len(vocabulary)))
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sets), max(len(vocabulary), 1)))


class _Static:
    """What does not change with the cut-off: texts, places, talent affiliations."""

    def __init__(self, data: PairingData, target: str) -> None:
        self.data, self.target = data, target
        self.n_firms, self.n_targets = data.count("Enterprise"), data.count(target)
        self.texts = _texts(data, target)
        firm_places = _places(data, "Enterprise")
        if target == "Talent":
            target_places = self._talent_places()
        else:
            target_places = _places(data, target)
        self.places: dict[str, tuple[sp.csr_matrix, sp.csr_matrix]] = {}
        self.place_names: dict[str, tuple[list[set[str]], list[set[str]]]] = {}
        for level in _PLACE_LEVELS:
            vocabulary: dict[str, int] = {}
            left = _place_matrix(firm_places[level], vocabulary)
            right = _place_matrix(target_places[level], vocabulary)
            width = max(len(vocabulary), 1)
            left.resize((left.shape[0], width))
            right.resize((right.shape[0], width))
            self.places[level] = (sp.csr_matrix(left), sp.csr_matrix(right.T))
            self.place_names[level] = (firm_places[level], target_places[level])
        industries = data.prop("Enterprise", "industry")
        codes = pd.Series([i if isinstance(i, str) and i else None for i in industries], dtype=object)
        for row in data.typed(["IN_INDUSTRY"], "Enterprise", "Industry").itertuples():
            if codes.iat[int(row.s)] is None:
                codes.iat[int(row.s)] = str(data.names[row.dst])
        factor, _ = pd.factorize(codes, use_na_sentinel=True)
        has = factor >= 0
        self.industry = sp.csr_matrix(
            (np.ones(int(has.sum())), (np.flatnonzero(has), factor[has])), shape=(self.n_firms, max(factor.max() + 1, 1))
        )
        self.firm_industry = [i if isinstance(i, str) else None for i in codes]
        # talents: who employs them (firm side) and where they belong (target side)
        talent_firm = pd.concat([
            _ends(data.typed(["EMPLOYS"], "Enterprise", "Talent"), "org", "talent"),
            _ends(data.typed(["AFFILIATED_WITH", "SECONDED_TO"], "Talent", "Enterprise"), "talent", "org"),
        ], ignore_index=True)
        self.talent_firm = talent_firm  # org = firm, talent
        talent_uni = pd.concat([
            _ends(data.typed(["EMPLOYS"], "University", "Talent"), "org", "talent"),
            _ends(data.typed(["AFFILIATED_WITH"], "Talent", "University"), "talent", "org"),
        ], ignore_index=True)
        self.talent_uni = talent_uni  # org = university, talent
        tiers = data.typed(["REACHED_TIER"], "Enterprise", "Tier")
        ranks = []
        for name in data.names[tiers["dst"].to_numpy()]:
            try:
                ranks.append(tier_rank(str(name).removeprefix("tier:")))
            except SchemaError:
                ranks.append(0)
        self.tier_history = pd.DataFrame({"e": tiers["s"].to_numpy(), "rank": ranks, "year": tiers["year"].to_numpy()})
        self.tier_now = np.array(
            [_safe_rank(t) for t in data.prop("Enterprise", "tier")], dtype=float)
        self.tier_now_year = np.array([_year(y) for y in data.prop("Enterprise", "tier_year")], dtype=float)
        met = data.typed(["MET"], "Enterprise", target)
        self.met = met
        projects = data.typed(["PARTICIPATES_IN"], "Enterprise", "Project")
        self.firm_projects = projects
        self.size_edges = self._size_edges()

    def _talent_places(self) -> dict[str, list[set[str]]]:
        data = self.data
        n = data.count("Talent")
        out: dict[str, list[set[str]]] = {lvl: [set() for _ in range(n)] for lvl in _PLACE_LEVELS}
        for kind in ("University", "Enterprise"):
            places = _places(data, kind)
            ties = pd.concat([
                _ends(data.typed(["AFFILIATED_WITH"], "Talent", kind), "talent", "org"),
                _ends(data.typed(["EMPLOYS"], kind, "Talent"), "org", "talent"),
            ], ignore_index=True)
            for talent, org in zip(ties["talent"].to_numpy(), ties["org"].to_numpy()):
                for level, sets in out.items():
                    sets[int(talent)] |= places[level][int(org)]
        return out

    def _size_edges(self) -> pd.DataFrame:
        data = self.data
        if self.target == "University":
            frame = self.talent_uni[["org", "year"]].rename(columns={"org": "t"})
            builds = _ends(data.typed(["CO_BUILDS"], "University", "Platform"), "t", "platform")[["t", "year"]]
            return pd.concat([frame, builds], ignore_index=True)
        programs = _ends(data.typed(["IN_PROGRAM"], "Talent", "Program"), "t", "program")[["t", "year"]]
        return programs


def _ends(frame: pd.DataFrame, source_name: str, target_name: str) -> pd.DataFrame:
    """``frame``'s local end positions under new names, with its year, outcome and event."""
    return pd.DataFrame({
        source_name: frame["s"].to_numpy(dtype=np.int64),
        target_name: frame["t"].to_numpy(dtype=np.int64),
        "year": frame["year"].to_numpy(dtype=float),
    })


def _safe_rank(tier: Any) -> float:
    if not isinstance(tier, str) or not tier:
        return 0.0
    try:
        return float(tier_rank(tier))
    except SchemaError:
        return 0.0


class _Snapshot:
    """The matrices behind every feature, with the graph cut at ``year``."""

    def __init__(self, static: _Static, year: float) -> None:
        data, target = static.data, static.target
        self.static, self.year = static, year
        n_e, n_t = static.n_firms, static.n_targets
        links = data.links(target)
        A = data.matrix(links, "e", "t", (n_e, n_t), until=year)
        self.A = A
        self.A_csc = sp.csc_matrix(A)
        self.linked = A  # existing partners
        deg_t = np.asarray(A.sum(axis=0)).ravel()
        deg_e = np.asarray(A.sum(axis=1)).ravel()
        self.deg_t, self.deg_e = deg_t, deg_e
        recent = data.matrix(links, "e", "t", (n_e, n_t), until=year, since=year - _RECENT_YEARS)
        self.recent_t = np.asarray(recent.sum(axis=0)).ravel()
        AT = sp.csr_matrix(A.T)
        self.C3 = sp.csc_matrix(AT @ A)  # target x target, paths t' - e' - t
        self.Cra = sp.csc_matrix(sp.diags(_inverse(deg_t)) @ AT @ sp.diags(_inverse(deg_e)) @ A)
        texts = static.texts
        self.X_e = texts.firm
        self.X_t_T = sp.csc_matrix(texts.target.T)
        self.X_peer_T = sp.csc_matrix(_row_normalise(sp.csr_matrix(AT @ texts.firm)).T)
        ind_share = sp.diags(_inverse(deg_t)) @ AT @ static.industry  # target x industry
        self.ind_T = sp.csc_matrix(ind_share.T)
        # talents bridging the pair
        n_talents = data.count("Talent")
        tf = static.talent_firm
        B_eT = data.matrix(tf, "org", "talent", (n_e, n_talents), until=year)
        if target == "University":
            tu = static.talent_uni
            B_Tt = sp.csr_matrix(data.matrix(tu, "org", "talent", (n_t, n_talents), until=year).T)
            self.bridge = sp.csc_matrix(B_eT @ B_Tt)
        else:
            uni_links = data.links("University")
            A_eu = data.matrix(uni_links, "e", "t", (n_e, data.count("University")), until=year)
            tu = static.talent_uni
            B_uT = data.matrix(tu, "org", "talent", (data.count("University"), n_talents), until=year)
            self.bridge = sp.csc_matrix(A_eu @ B_uT + B_eT @ sp.csr_matrix(B_eT.T) @ A)
        # firm network: firms sharing projects, resource-allocation weighted
        fp = static.firm_projects
        P = data.matrix(fp, "s", "t", (n_e, data.count("Project")), until=year)
        size = np.asarray(P.sum(axis=0)).ravel()
        F = sp.csr_matrix(P @ sp.diags(_inverse(np.maximum(size - 1, 0))) @ P.T)
        F.setdiag(0)
        F.eliminate_zeros()
        self.F = F
        self.firm_network_right = self.A_csc
        # tiers at the cut-off
        hist = static.tier_history
        hist = hist[np.isnan(hist["year"].to_numpy()) | (hist["year"].to_numpy() <= year)]
        tier = np.zeros(n_e)
        if len(hist):
            best = hist.groupby("e")["rank"].max()
            tier[best.index.to_numpy()] = best.to_numpy()
        now_ok = np.isnan(static.tier_now_year) | (static.tier_now_year <= year)
        no_history = tier == 0
        tier[no_history & now_ok] = static.tier_now[no_history & now_ok]
        self.tier_e = tier
        tiered = np.asarray(AT @ (tier > 0).astype(float)).ravel()
        tier_sum = np.asarray(AT @ tier).ravel()
        self.mean_tier_t = tier_sum * _inverse(tiered)
        # meetings
        met = static.met
        met_year = met["year"].to_numpy()
        met = met[np.isnan(met_year) | (met_year <= year)]
        shape = (n_e, n_t)

        def met_matrix(mask: np.ndarray) -> sp.csc_matrix:
            rows = met[mask]
            m = sp.csr_matrix((np.ones(len(rows)), (rows["s"].to_numpy(), rows["t"].to_numpy())), shape=shape)
            m.sum_duplicates()
            return sp.csc_matrix(m)

        outcome = met["outcome"].to_numpy()
        self.met_any = met_matrix(np.ones(len(met), dtype=bool))
        self.met_signed = met_matrix(outcome == "signed")
        self.met_follow = met_matrix(outcome == "follow-up")
        meetings_t = np.asarray(self.met_any.sum(axis=0)).ravel()
        good_t = np.asarray((self.met_signed + self.met_follow).sum(axis=0)).ravel()
        self.meet_success_t = good_t / (meetings_t + 1.0)
        size_edges = static.size_edges
        sy = size_edges["year"].to_numpy(dtype=float)
        kept = size_edges[np.isnan(sy) | (sy <= year)]
        self.size_t = np.bincount(kept["t"].to_numpy(dtype=np.int64), minlength=n_t).astype(float)

    #: Feature grids up to this many bytes are computed once and kept (fast single calls).
    cache_bytes: int = 512 * 2**20
    #: The features :meth:`grid` computes (None: all); the others are left at 0 (signals the fit dropped).
    needed: frozenset[str] | None = None

    def grid(self, e_idx: np.ndarray, t_idx: np.ndarray | None = None) -> np.ndarray:
        """Features of every pair in ``e_idx`` × ``t_idx``: array (len(e), len(t), n_features)."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            rows = cache[np.asarray(e_idx, dtype=np.int64)]
            return rows if t_idx is None else rows[:, t_idx]
        return self._grid(e_idx, t_idx)

    def firm_row(self, firm: int) -> np.ndarray:
        """Features of ``firm`` with every target: array (n_targets, n_features), a fresh copy."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            return cache[firm].copy()
        return self._grid(np.array([firm]))[0]

    def target_column(self, target: int) -> np.ndarray:
        """Features of every firm with ``target``: array (n_firms, n_features), a fresh copy."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            return cache[:, target].copy()
        return self._grid(np.arange(self.static.n_firms), np.array([target]))[:, 0]

    def keep_grid(self) -> None:
        """Compute every firm's features once and keep them, when they fit in :attr:`cache_bytes`."""
        n_e, n_t = self.static.n_firms, self.static.n_targets
        if n_e * n_t * len(FEATURE_NAMES) * 4 > self.cache_bytes or n_e == 0:
            return
        cache = np.empty((n_e, n_t, len(FEATURE_NAMES)), dtype=np.float32)
        for start in range(0, n_e, 1024):
            block = np.arange(start, min(start + 1024, n_e))
            cache[block] = self._grid(block, None)
        self._cache = cache

    def _as_csr(self, matrix: sp.spmatrix) -> sp.csr_matrix:
        """``matrix`` in CSR, converted once and kept (row picks and products with all targets)."""
        if sp.isspmatrix_csr(matrix):
            return matrix
        kept = self.__dict__.setdefault("_csr", {})
        key = id(matrix)
        if key not in kept:
            kept[key] = (matrix, sp.csr_matrix(matrix))  # hold ``matrix`` so its id stays unique
        return kept[key][1]

    def _features(self, e_idx: np.ndarray, t_idx: np.ndarray | None = None) -> dict[str, Any]:
        """Feature name → a function returning that feature of every pair in ``e_idx`` × ``t_idx``.

        Each function returns an array (len(e), len(t)) (float64; a broadcast view for a firm- or target-only
        feature).
        """
        n_t = self.static.n_targets
        t_sel = slice(None) if t_idx is None else t_idx
        n_cols = n_t if t_idx is None else len(t_idx)
        e_idx = np.asarray(e_idx, dtype=np.int64)
        shape = (len(e_idx), n_cols)

        def prod(left: sp.csr_matrix, right: sp.csc_matrix) -> np.ndarray:
            if left.shape[1] == 0:
                return np.zeros(shape)
            columns = self._as_csr(right) if t_idx is None else right[:, t_idx]  # [:, :] would copy
            return np.asarray((left[e_idx] @ columns).todense(), dtype=float).reshape(shape)

        def pick(matrix: sp.spmatrix) -> np.ndarray:
            rows = self._as_csr(matrix)[e_idx]
            return np.asarray((rows if t_idx is None else rows[:, t_idx]).todense(), dtype=float).reshape(shape)

        def col(vector: np.ndarray) -> np.ndarray:
            return np.broadcast_to(vector[t_sel][None, :], shape)

        def row(vector: np.ndarray) -> np.ndarray:
            return np.broadcast_to(vector[e_idx][:, None], shape)

        Ae = self.A
        static = self.static
        tier_e = row(self.tier_e)
        mean_tier = col(self.mean_tier_t)
        return {
            "content_cosine": lambda: prod(self.X_e, self.X_t_T),
            "content_peer": lambda: prod(self.X_e, self.X_peer_T),
            "industry_share": lambda: prod(static.industry, self.ind_T),
            "three_path": lambda: np.log1p(prod(Ae, self.C3)),
            "resource_allocation": lambda: prod(Ae, self.Cra),
            "talent_bridge": lambda: np.log1p(pick(self.bridge)),
            "firm_network": lambda: np.log1p(prod(self.F, self.firm_network_right)),
            "same_town": lambda: np.minimum(prod(*static.places["town"]), 1.0),
            "same_city": lambda: np.minimum(prod(*static.places["city"]), 1.0),
            "same_province": lambda: np.minimum(prod(*static.places["province"]), 1.0),
            "same_country": lambda: np.minimum(prod(*static.places["country"]), 1.0),
            "partner_degree": lambda: col(np.log1p(self.deg_t)),
            "partner_recent": lambda: col(np.log1p(self.recent_t)),
            "partner_size": lambda: col(np.log1p(self.size_t)),
            "firm_degree": lambda: row(np.log1p(self.deg_e)),
            "firm_tier": lambda: tier_e,
            "partner_mean_tier": lambda: mean_tier,
            "tier_gap": lambda: np.where((tier_e > 0) & (mean_tier > 0), np.abs(tier_e - mean_tier), 0.0),
            "met_before": lambda: np.minimum(pick(self.met_any), 3.0),
            "met_signed": lambda: np.minimum(pick(self.met_signed), 1.0),
            "met_followup": lambda: np.minimum(pick(self.met_follow), 1.0),
            "partner_meeting_success": lambda: col(self.meet_success_t),
        }

    def _grid(self, e_idx: np.ndarray, t_idx: np.ndarray | None = None) -> np.ndarray:
        features = self._features(e_idx, t_idx)
        shape = (len(e_idx), self.static.n_targets if t_idx is None else len(t_idx))
        needed = self.needed
        out = np.zeros((*shape, len(FEATURE_NAMES)), dtype=np.float32)
        for i, name in enumerate(FEATURE_NAMES):
            if needed is None or name in needed:
                out[..., i] = features[name]()
        return out

    def weighted(self, e_idx: np.ndarray, weights: dict[str, float], bias: float,
                 also: tuple[str, ...] = ()) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """``bias + Σ weights[f] × feature f`` of every pair in ``e_idx`` × all targets, without the feature grid.

        The numbers of a linear model over :meth:`grid`'s columns, computed feature by feature (no
        (firms, targets, features) array): shape (len(e), n_targets), float64.  ``also``: features returned as
        well, by name (the ones a blend reads).
        """
        cache = getattr(self, "_cache", None)
        if cache is not None:
            rows = cache[np.asarray(e_idx, dtype=np.int64)]
            w = np.zeros(len(FEATURE_NAMES), dtype=np.float64)
            for name, value in weights.items():
                w[FEATURE_NAMES.index(name)] = value
            extra = {name: rows[..., FEATURE_NAMES.index(name)].astype(np.float64) for name in also}
            return rows.astype(np.float64) @ w + bias, extra
        features = self._features(e_idx)
        out = np.full((len(e_idx), self.static.n_targets), float(bias))
        extra = {name: np.asarray(features[name](), dtype=np.float64) for name in also}
        for name, value in weights.items():
            if value:
                out += value * (extra[name] if name in extra else features[name]())
        return out, extra


def _pair_features(snap: _Snapshot, e: np.ndarray, t: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Features of the pairs (e[i], t[i]), computed firm-block by firm-block."""
    out = np.zeros((len(e), len(FEATURE_NAMES)), dtype=np.float32)
    firms, inverse = np.unique(e, return_inverse=True)
    for start in range(0, len(firms), chunk):
        block = firms[start : start + chunk]
        grid = snap.grid(block)
        rows = np.flatnonzero((inverse >= start) & (inverse < start + len(block)))
        out[rows] = grid[inverse[rows] - start, t[rows]]
    return out

