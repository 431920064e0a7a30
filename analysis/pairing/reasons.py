"""Reasons: the evidence behind each signal of a recommended pair, in Chinese and English."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from analysis.pairing.data import _result_columns
from analysis.pairing.features import _RECENT_YEARS, _Snapshot
from analysis.pairing.text import _phrase_tokens
from graph.schema import TIERS

__all__: list[str] = []

_SIGNAL_ZH = {
    "content": "研究方向相近",
    "graph": "合作网络相连",
    "location": "地理相近",
    "popularity": "合作活跃",
    "tier": "梯次匹配",
    "meetings": "曾在活动中对接",
}
_SIGNAL_EN = {
    "content": "similar fields",
    "graph": "connected through the network",
    "location": "nearby",
    "popularity": "active partner",
    "tier": "tier fit",
    "meetings": "met at an event before",
}



_COUNTRY_ZH = {"CN": "中国"}


def _csr_rows(matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """``indptr, indices`` of ``matrix`` as CSR with sorted indices (rows → column positions).

    A CSR ``matrix`` is used as it is (explicit zeros dropped, indices sorted in place: same values).
    """
    csr = sp.csr_matrix(matrix)
    csr.eliminate_zeros()
    csr.sort_indices()
    return csr.indptr, csr.indices


def _csc_cols(matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """``indptr, indices`` of ``matrix`` as CSC with sorted indices (columns → row positions)."""
    csc = sp.csc_matrix(matrix)
    csc.eliminate_zeros()
    csc.sort_indices()
    return csc.indptr, csc.indices


def _pairs(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row-indexed ``indptr, indices`` of the (row, col) pairs."""
    matrix = sp.csr_matrix((np.ones(len(rows)), (np.asarray(rows, np.int64), np.asarray(cols, np.int64))), shape=shape)
    return _csr_rows(matrix)


def _has(indptr: np.ndarray, indices: np.ndarray, row: int, col: int) -> bool:
    """Whether the sorted row ``row`` of a CSR structure holds ``col``."""
    lo, hi = indptr[row], indptr[row + 1]
    at = lo + int(np.searchsorted(indices[lo:hi], col))
    return bool(at < hi and indices[at] == col)


class _Lookup:
    """What the reasons need, indexed once at fit time: no pandas and no sparse indexing per call.

    Built for the snapshot at the cut-off; :meth:`describe` gives the same evidence
    texts as reading the snapshot's matrices pair by pair would.
    """

    def __init__(self, snap: _Snapshot) -> None:
        static, data = snap.static, snap.static.data
        kind = static.target
        self.snap, self.static, self.data, self.kind = snap, static, data, kind
        n_e, n_t = static.n_firms, static.n_targets
        self.firm_targets = _csr_rows(snap.A)          # firm → its partners (targets)
        self.target_firms = _csc_cols(snap.A)          # target → its partner firms
        self.firm_firms = _csr_rows(snap.F)            # firm → firms sharing projects
        self.bridge = _csc_cols(snap.bridge)           # target → firms tied to it by talents
        n_talents = data.count("Talent")
        tf = static.talent_firm
        self.firm_talents = _pairs(tf["org"].to_numpy(), tf["talent"].to_numpy(), (n_e, n_talents))
        if kind == "University":
            tu = static.talent_uni
            self.target_talents = _pairs(tu["org"].to_numpy(), tu["talent"].to_numpy(), (n_t, n_talents))
        self.names = {k: data.names[data.members(k)].tolist() for k in ("Enterprise", kind, "Talent")}
        self.experts: list[tuple[str | None, str | None]] = []
        if kind == "Talent":
            columns = _result_columns(data, "Talent")
            self.experts = list(zip(columns["affiliation"].tolist(), columns["title"].tolist()))
        self.target_tokens = [set(_phrase_tokens(p)) for p in static.texts.target_phrases]
        self._firm_tokens: dict[int, list[tuple[str, set[str]]]] = {}
        industry_ptr, industry_idx = _csr_rows(static.industry)
        self.firm_industry_col = np.full(n_e, -1, dtype=np.int64)
        has = np.diff(industry_ptr) > 0
        self.firm_industry_col[has] = industry_idx[industry_ptr[:-1][has]]
        self.industry_share = snap.ind_T.toarray() if snap.ind_T.shape[0] else np.zeros((1, n_t))
        self.deg_t = snap.deg_t.astype(np.int64).tolist()
        self.recent_t = snap.recent_t.astype(np.int64).tolist()
        self.tier_e = snap.tier_e.tolist()
        self.mean_tier_t = snap.mean_tier_t.tolist()
        # the last meeting (latest year; undated first; later rows win ties) of each pair by the cut-off
        self.last_meeting: dict[tuple[int, int], tuple[float, Any, Any]] = {}
        met = static.met
        for s, t, year, event, outcome in zip(met["s"].tolist(), met["t"].tolist(), met["year"].tolist(),
                                              met["event"].tolist(), met["outcome"].tolist()):
            if not math.isnan(year) and year > snap.year:
                continue
            key = (int(s), int(t))
            best = self.last_meeting.get(key)
            order = -math.inf if math.isnan(year) else year
            if best is None or order >= (-math.inf if math.isnan(best[0]) else best[0]):
                self.last_meeting[key] = (year, event, outcome)

    # ---- small helpers -------------------------------------------------------------------
    @staticmethod
    def _row(structure: tuple[np.ndarray, np.ndarray], row: int) -> np.ndarray:
        indptr, indices = structure
        return indices[indptr[row] : indptr[row + 1]]

    def firm_tokens(self, firm: int) -> list[tuple[str, set[str]]]:
        cached = self._firm_tokens.get(firm)
        if cached is None:
            cached = [(p, set(_phrase_tokens([p]))) for p in self.static.texts.firm_phrases[firm]]
            if len(self._firm_tokens) < 100_000:
                self._firm_tokens[firm] = cached
        return cached

    def peers(self, firm: int) -> np.ndarray:
        """Firms sharing a partner or a project with ``firm`` (sorted, without ``firm``)."""
        mine = self._row(self.firm_targets, firm)
        parts = [self._row(self.target_firms, int(t)) for t in mine]
        parts.append(self._row(self.firm_firms, firm))
        peers = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        return peers[peers != firm]

    def existing(self, firm: int | None = None, target: int | None = None) -> np.ndarray:
        """Boolean mask of the partners of ``firm`` (over targets) or of ``target`` (over firms)."""
        if firm is not None:
            mask = np.zeros(self.static.n_targets, dtype=bool)
            mask[self._row(self.firm_targets, firm)] = True
        else:
            mask = np.zeros(self.static.n_firms, dtype=bool)
            mask[self._row(self.target_firms, int(target))] = True
        return mask

    # ---- evidence per signal (Chinese, English) ---------------------------------------------
    def describe(self, signal: str, firm: int, target: int, peers: np.ndarray) -> tuple[str, str]:
        if signal == "graph":
            return self._graph(firm, target, peers)
        return getattr(self, f"_{signal}")(firm, target)

    def _content(self, firm: int, target: int) -> tuple[str, str]:
        theirs = self.target_tokens[target]
        shared = [p for p, tokens in self.firm_tokens(firm) if tokens & theirs][:4]
        parts_zh, parts_en = [], []
        if shared:
            parts_zh.append("共同关键词:" + "、".join(shared))
            parts_en.append("shared keywords: " + ", ".join(shared))
        industry = self.static.firm_industry[firm]
        col = int(self.firm_industry_col[firm])
        if industry and self.deg_t[target] > 0 and col >= 0:
            share = float(self.industry_share[col, target])
            if share > 0:
                who = self._target_name(target)
                parts_zh.append(f"{who}的合作企业中{share:.0%}属{industry}")
                parts_en.append(f"{share:.0%} of {who}'s partner firms are in {industry}")
        return ";".join(parts_zh), "; ".join(parts_en)

    def _graph(self, firm: int, target: int, peers: np.ndarray) -> tuple[str, str]:
        parts_zh, parts_en = [], []
        theirs = self._row(self.target_firms, target)
        connecting = np.intersect1d(peers, theirs, assume_unique=True)[:3]
        if len(connecting):
            firm_names = self.names["Enterprise"]
            names = [str(firm_names[i]) for i in connecting]
            who = self._target_name(target)
            parts_zh.append("相似企业" + "、".join(names) + f"与{who}合作")
            parts_en.append(f"similar firms work with {who}: " + ", ".join(names))
        if _has(*self.bridge, target, firm):
            talents = self._bridge_talents(firm, target)
            if talents:
                parts_zh.append("人才纽带:" + "、".join(talents))
                parts_en.append("linked by talents: " + ", ".join(talents))
        return ";".join(parts_zh), "; ".join(parts_en)

    def _bridge_talents(self, firm: int, target: int) -> list[str]:
        firm_talents = self._row(self.firm_talents, firm)
        if self.kind == "University":
            common = np.intersect1d(firm_talents, self._row(self.target_talents, target))[:3].tolist()
        else:
            common = [target] if target in firm_talents else []
        names = self.names["Talent"]
        return [str(names[t]) for t in common]

    def _target_name(self, target: int) -> str:
        """The university's or expert's name: evidence names its subject, so it reads right in both directions."""
        return str(self.names[self.kind][target])

    def _location(self, firm: int, target: int) -> tuple[str, str]:
        for level, zh, en in (("town", "同在", "both in"), ("city", "同在", "same city:"),
                              ("province", "同省", "same province:"), ("country", "同在", "same country:")):
            left, right = self.static.place_names[level]
            shared = sorted(left[firm] & right[target])
            if shared:
                place = shared[0].split(":")[-1]
                return f"{zh}{_COUNTRY_ZH.get(place, place)}", f"{en} {place}"
        return "", ""

    def _popularity(self, firm: int, target: int) -> tuple[str, str]:
        n, recent = self.deg_t[target], self.recent_t[target]
        if n == 0:
            return "", ""
        who = self._target_name(target)
        return (f"{who}已与{n}家企业合作(近{_RECENT_YEARS}年新增{recent}家)",
                f"{who} has worked with {n} firms ({recent} new in the last {_RECENT_YEARS} years)")

    def expert(self, target: int) -> tuple[str, str]:
        """``"王工(江南大学·教授)。"``: the expert's 单位 and 职称, when known (empty otherwise)."""
        if not self.experts:
            return "", ""
        affiliation, title = self.experts[target]
        known = [v for v in (affiliation, title) if v]
        if not known:
            return "", ""
        who = self._target_name(target)
        return f"专家{who}({'·'.join(known)})。", f"Expert {who} ({', '.join(known)}). "

    def _tier(self, firm: int, target: int) -> tuple[str, str]:
        """Only when the firm's rung is the one the partner's firms usually stand on (a fit, never a gap)."""
        tier, mean = self.tier_e[firm], self.mean_tier_t[target]
        if tier <= 0 or mean <= 0 or abs(tier - mean) >= 1.0:
            return "", ""
        name = TIERS[int(tier) - 1]
        firm_name, who = str(self.names["Enterprise"][firm]), self._target_name(target)
        return (f"{firm_name}为{name},{who}的合作企业多在同一梯次",
                f"{firm_name} is a {name}, like most of {who}'s partner firms")

    def _meetings(self, firm: int, target: int) -> tuple[str, str]:
        last = self.last_meeting.get((firm, target))
        if last is None:
            return "", ""
        year_value, event, outcome = last
        data = self.data
        event_name = str(data.names[data.pos[event]]) if isinstance(event, str) and event in data.pos \
            else (event if isinstance(event, str) else "")
        outcome = outcome if isinstance(outcome, str) else "none"
        if outcome not in ("signed", "follow-up"):
            return "", ""  # a meeting that led nowhere is no reason to meet again
        year = "" if math.isnan(year_value) else f"{int(year_value)}"
        outcome_zh = {"signed": "已签约", "follow-up": "待跟进"}[outcome]
        # the year once: an event called "2025年…对接会" already says it
        when = "" if not year or year in event_name else f"{year}年"
        when_en = "" if not year or year in event_name else f" in {year}"
        place = event_name or "对接活动"
        return (f"{when}在{place}对接过,结果:{outcome_zh}",
                f"met at {event_name or 'an event'}{when_en}, outcome: {outcome}")
