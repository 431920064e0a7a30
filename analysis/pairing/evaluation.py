"""Honest evaluation of pairing: fit up to a year, predict the partners firms gained afterwards.

Protocol (``evaluate_pairing``):

1. fit :class:`analysis.pairing.PairingRecommender` on data up to ``cutoff_year``;
2. the *test firms* are the enterprises that existed by ``cutoff_year`` and gained
   at least one new university / institute partner after it — a partner that also
   existed by ``cutoff_year`` (a partner link is a COLLABORATES_WITH relationship or
   a shared project, see :func:`analysis.pairing.partner_links`);
3. for each test firm, every university / institute that existed by ``cutoff_year``
   and that the firm had not partnered by then is ranked; the relevant ones are the
   new partners;
4. P@k, R@k, MRR and nDCG@k (binary gains), averaged over test firms, for the model
   and three baselines computed on the graph up to ``cutoff_year``:
   ``popularity`` (most partner firms first), ``three_path`` (number of paths
   firm → university → firm → university), ``three_path_popularity`` (three-path,
   ties broken by popularity) and ``content`` (TF-IDF cosine of keywords only);
5. beyond accuracy (:func:`diversity_metrics`), for the model and every baseline, over the
   top-k lists of *every* firm that existed by ``cutoff_year`` (not only the test firms):
   ``coverage`` (distinct partners in any list / candidate partners), ``top_share`` (share
   of lists holding the most recommended partner) and ``popularity_percentile`` (mean
   popularity percentile of the recommended partners, 100 = the most popular; lower is
   more novel).

Ties are broken by node id (candidates are in id order and sorted stably), so
scores that tie — e.g. all zeros — rank in id order for every method.  A node
"existed by" a year when its ``year``/``founded`` is not later, or, without
those, when its first dated relationship is not later; nodes with neither count
as always there.

Examples
--------
>>> import numpy as np
>>> scores = np.array([[0.9, 0.5, 0.1]])
>>> relevant = np.array([[False, True, False]])
>>> m = ranking_metrics(scores, np.ones_like(relevant), relevant, k=2)
>>> m["p_at_k"], m["r_at_k"], m["mrr"]
(0.5, 1.0, 0.5)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.pairing.data import PairingData
from analysis.pairing.features import SIGNALS, _texts
from analysis.pairing.model import PairingRecommender, _top_columns
from graph.errors import SchemaError
from graph.store import GraphStore

__all__ = [
    "BASELINES",
    "DIVERSITY",
    "GROUPS",
    "ablation_table",
    "baseline_scores",
    "diversity_metrics",
    "evaluate_pairing",
    "evaluation_split",
    "ranking_metrics",
]

BASELINES: tuple[str, ...] = ("popularity", "three_path", "three_path_popularity", "content")

#: The beyond-accuracy measures :func:`diversity_metrics` adds to every method.
DIVERSITY: tuple[str, ...] = ("coverage", "top_share", "popularity_percentile")

#: The groups of firms the model is also measured on (``result["groups"]``): firms without any university /
#: institute partner by the cut-off (cold start: only their country, firm partners and popularity to go on) and
#: firms with one.
GROUPS: tuple[str, ...] = ("no_partner", "with_partner")


def ranking_metrics(scores: np.ndarray, candidates: np.ndarray, relevant: np.ndarray, k: int = 10,
                    per_firm: bool = False) -> dict[str, Any]:
    """Mean P@k, R@k, MRR and nDCG@k over rows.

    Parameters
    ----------
    scores : ndarray (n_firms, n_items)
        Higher is better; ties keep column order.
    candidates : ndarray of bool, same shape
        Items that may be ranked (others are dropped).
    relevant : ndarray of bool, same shape
        The items that count as hits (must be candidates).
    k : int
    per_firm : bool
        Also return ``ndcg_per_firm``: each row's nDCG@k (for paired comparisons of two rankings).

    Returns
    -------
    dict
        ``p_at_k, r_at_k, mrr, ndcg, firms`` (and ``ndcg_per_firm`` with ``per_firm``).
    """
    if k < 1:
        raise SchemaError(f"k must be at least 1, got {k!r}")
    n = scores.shape[0]
    if n == 0:
        return {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0, "firms": 0}
    masked = _tie_broken(scores, candidates)
    relevant = relevant & candidates
    top = _top_columns(masked, k)
    hits_top = np.take_along_axis(relevant, top, axis=1) & np.isfinite(np.take_along_axis(masked, top, axis=1))
    n_relevant = relevant.sum(axis=1)
    top_hits = hits_top.sum(axis=1)
    p_at_k = top_hits / k
    r_at_k = top_hits / np.maximum(n_relevant, 1)
    # rank of the first relevant item: how many score above the best relevant one (ties are broken)
    best = np.where(relevant, masked, -np.inf).max(axis=1, initial=-np.inf)
    first = (masked > best[:, None]).sum(axis=1)
    mrr = np.where(n_relevant > 0, 1.0 / (first + 1), 0.0)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits_top * discounts[: hits_top.shape[1]]).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, k) - 1]
    ndcg = np.where(n_relevant > 0, dcg / np.where(n_relevant > 0, ideal, 1.0), 0.0)
    out: dict[str, Any] = {
        "p_at_k": float(p_at_k.mean()),
        "r_at_k": float(r_at_k.mean()),
        "mrr": float(mrr.mean()),
        "ndcg": float(ndcg.mean()),
        "firms": int(n),
    }
    if per_firm:
        out["ndcg_per_firm"] = ndcg
    return out


def evaluation_split(data: PairingData, cutoff_year: int, sample: int | None = None, seed: int = 0
                     ) -> tuple[np.ndarray, sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """The test firms, their known partners and their new partners.

    Returns
    -------
    firms : ndarray
        Local positions of the test firms (sorted; a random ``sample`` of them if given).
    known : csr_matrix (n_test, n_universities)
        Partners by ``cutoff_year``.
    new : csr_matrix (n_test, n_universities)
        Partners first linked after ``cutoff_year`` that existed by it (relevant items).
    candidate_ok : ndarray of bool (n_universities,)
        Universities / institutes that existed by ``cutoff_year``.
    """
    links = data.links("University")
    n_e, n_u = data.count("Enterprise"), data.count("University")
    firm_ok = data.exists_by("Enterprise", cutoff_year)
    uni_ok = data.exists_by("University", cutoff_year)
    known_all = data.matrix(links, "e", "t", (n_e, n_u), until=cutoff_year)
    year = links["year"].to_numpy()
    e, t = links["e"].to_numpy(), links["t"].to_numpy()
    later = ~np.isnan(year) & (year > cutoff_year) & uni_ok[t] & firm_ok[e]
    new_all = sp.csr_matrix((np.ones(int(later.sum())), (e[later], t[later])), shape=(n_e, n_u))
    new_all.data[:] = 1.0
    new_all = new_all - new_all.multiply(known_all)  # a pair known by the cut-off is not new
    new_all.eliminate_zeros()
    firms = np.flatnonzero(np.asarray(new_all.sum(axis=1)).ravel() > 0)
    if sample is not None and sample < len(firms):
        if sample < 1:
            raise SchemaError(f"sample must be at least 1, got {sample!r}")
        firms = np.sort(np.random.default_rng(seed).choice(firms, size=sample, replace=False))
    return firms, sp.csr_matrix(known_all[firms]), sp.csr_matrix(new_all[firms]), uni_ok


class _Baselines:
    """What the baselines need at a cut-off, computed once: the link matrix, degrees, three-path matrix, texts."""

    def __init__(self, data: PairingData, cutoff_year: int) -> None:
        links = data.links("University")
        n_e, n_u = data.count("Enterprise"), data.count("University")
        self.A = data.matrix(links, "e", "t", (n_e, n_u), until=cutoff_year)
        self.degree = np.asarray(self.A.sum(axis=0)).ravel().astype(float)
        self.paths = sp.csr_matrix(self.A.T @ self.A)
        self.texts = _texts(data, "University")
        self.texts_T = sp.csr_matrix(self.texts.target.T)

    def scores(self, firms: np.ndarray) -> dict[str, np.ndarray]:
        n_u = self.A.shape[1]
        popularity = np.broadcast_to(self.degree[None, :], (len(firms), n_u)).astype(float)
        three_path = np.asarray((self.A[firms] @ self.paths).todense(), dtype=float)
        # three-path counts are whole numbers: adding degree / (max degree + 1) < 1 only breaks ties
        tie_break = self.degree / (self.degree.max(initial=0.0) + 1.0)
        content = np.asarray((self.texts.firm[firms] @ self.texts_T).todense(), dtype=float)
        return {"popularity": popularity, "three_path": three_path,
                "three_path_popularity": three_path + tie_break[None, :], "content": content}


def baseline_scores(data: PairingData, cutoff_year: int, firms: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of the baselines for ``firms`` (local positions) × all universities.

    Returns
    -------
    dict
        ``popularity``, ``three_path``, ``three_path_popularity``, ``content`` → ndarray
        (n_firms, n_universities).
    """
    return _Baselines(data, cutoff_year).scores(firms)


def _tie_broken(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Scores (float64) with ties broken by column order (an earlier column ranks first); -inf off the candidates.

    The tie-break subtracts ``column × ε`` with ε far below any real difference of scores (1e-12 of
    their largest magnitude per column), so whole-number scores (counts) keep their exact order.
    """
    values = np.array(scores, dtype=np.float64)  # a copy, changed in place below (fewer passes over the grid)
    magnitude = np.abs(values)
    magnitude[~candidates | ~np.isfinite(magnitude)] = 0.0
    scale = max(1.0, float(magnitude.max(initial=0.0)))
    values -= np.arange(values.shape[1]) * (1e-12 * scale)
    values[~candidates] = -np.inf
    return values


def _top_k(scores: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """Column positions of the best ``k`` candidates per row (exact ties in column order, the lists' one rule
    :func:`analysis.pairing.model._top_columns`); -1 pads short rows."""
    top = _top_columns(np.where(candidates, scores, -np.inf), k)
    return np.where(np.take_along_axis(candidates, top, axis=1), top, -1)


class _Diversity:
    """Running counts of recommended partners over top-k lists (see :func:`diversity_metrics`)."""

    def __init__(self, n_items: int) -> None:
        self.counts = np.zeros(n_items, dtype=np.int64)
        self.lists = 0

    def add(self, top: np.ndarray) -> None:
        self.lists += int((top >= 0).any(axis=1).sum())
        items = top[top >= 0]
        self.counts += np.bincount(items, minlength=len(self.counts))

    def result(self, candidate_ok: np.ndarray, popularity: np.ndarray) -> dict[str, float]:
        return diversity_metrics(self.counts, self.lists, candidate_ok, popularity)


def diversity_metrics(counts: np.ndarray, lists: int, candidate_ok: np.ndarray, popularity: np.ndarray
                      ) -> dict[str, float]:
    """Catalogue coverage, share of lists with the most recommended partner, and novelty.

    Parameters
    ----------
    counts : ndarray of int (n_items,)
        How many top-k lists hold each item.
    lists : int
        How many top-k lists there are.
    candidate_ok : ndarray of bool (n_items,)
        The items that could be recommended (the catalogue).
    popularity : ndarray (n_items,)
        Partner firms of each item at the cut-off.

    Returns
    -------
    dict
        ``coverage`` (distinct items recommended / catalogue size), ``top_share`` (share of
        the lists that hold the most recommended item), ``top_partner`` (its position),
        ``popularity_percentile`` (mean over all recommendations of the item's popularity
        percentile among the catalogue: 100 = the most popular, lower = more novel),
        ``lists``.

    Examples
    --------
    >>> m = diversity_metrics(np.array([2, 1, 0, 0]), 2, np.ones(4, bool), np.array([5.0, 1, 0, 0]))
    >>> m["coverage"], m["top_share"], m["popularity_percentile"]
    (0.5, 1.0, 79.1667)
    """
    catalogue = int(candidate_ok.sum())
    pop = popularity[candidate_ok]
    # percentile of each item: share of the catalogue with popularity <= its own (ties count half)
    below = np.searchsorted(np.sort(pop), popularity, side="left")
    equal = np.searchsorted(np.sort(pop), popularity, side="right") - below
    percentile = 100.0 * (below + 0.5 * equal) / max(len(pop), 1)
    total = int(counts.sum())
    return {
        "coverage": round(float(np.count_nonzero(counts) / max(catalogue, 1)), 4),
        "top_share": round(float(counts.max(initial=0) / max(lists, 1)), 4),
        "top_partner": int(np.argmax(counts)) if total else -1,
        "popularity_percentile": round(float((counts * percentile).sum() / max(total, 1)), 4),
        "lists": int(lists),
    }


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _model_metrics(recommender: PairingRecommender, firms: np.ndarray, known: sp.csr_matrix, new: sp.csr_matrix,
                   candidate_ok: np.ndarray, k: int, chunk: int) -> dict[str, float]:
    totals: dict[str, float] = {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0}
    for part in _chunks(len(firms), chunk):
        scores = recommender.score_grid(firms[part], "University", ranking=True)
        candidates = candidate_ok[None, :] & ~(known[part].toarray() > 0)
        metrics = ranking_metrics(scores, candidates, new[part].toarray() > 0, k)
        for key in totals:
            totals[key] += metrics[key] * metrics["firms"]
    n = max(len(firms), 1)
    return {**{key: value / n for key, value in totals.items()}, "firms": len(firms)}


def evaluate_pairing(
    source: GraphStore | nx.Graph | PairingData,
    cutoff_year: int,
    k: int = 10,
    sample: int | None = None,
    seed: int = 0,
    ablation: bool = False,
    chunk: int = 256,
    diversity: bool = True,
    **params: Any,
) -> dict[str, Any]:
    """Evaluate the recommender and the baselines with the protocol above.

    Parameters
    ----------
    source : GraphStore, networkx graph or PairingData
    cutoff_year : int
    k : int
    sample : int, optional
        Evaluate a random sample of this many test firms (seeded by ``seed``).
    seed : int
    ablation : bool
        Also evaluate the model without each signal and with each signal alone.
    chunk : int
        Test firms scored per block (memory: chunk × universities × 21 floats).
    diversity : bool
        Also measure coverage, top share and novelty over every firm's top-k list
        (:func:`diversity_metrics`); each method's dict then holds them too.
    **params
        Passed to :class:`PairingRecommender` (``model``, ``negatives`` …).

    Returns
    -------
    dict
        ``{"model": {"p_at_k", "r_at_k", "mrr", "ndcg", "firms"}, "baselines":
        {"popularity": {...}, "three_path": {...}, "three_path_popularity": {...}, "content": {...}},
        "cutoff_year", "k", "seconds"}``; with ``diversity`` every method's dict also holds
        ``coverage, top_share, top_partner_id, popularity_percentile, lists`` and the result
        ``"catalogue"`` (candidate partners), ``"lists"`` (firms existing by the cut-off) and ``"groups"``: the
        model's accuracy and list measures for each of :data:`GROUPS` (firms with no university / institute partner
        by the cut-off, and the others; ``firms`` = their test firms, ``lists`` = their lists) and, with
        ``ablation``, ``"ablation"``: a list of dicts
        ``variant, signals, p_at_k, r_at_k, mrr, ndcg``.
    """
    started = time.perf_counter()
    data = PairingData.load(source)
    firms, known, new, candidate_ok = evaluation_split(data, cutoff_year, sample, seed)
    recommender = PairingRecommender(**params).fit(data, until_year=cutoff_year)
    baselines = _Baselines(data, cutoff_year)
    result: dict[str, Any] = {"model": {}, "baselines": {}}
    if diversity:  # one pass over every firm's scores: the test firms' accuracy and everyone's lists
        _evaluate_lists(result, data, recommender, baselines, cutoff_year, candidate_ok, k, chunk, firms, new)
    else:
        sums = {name: _Sums() for name in ("model", *BASELINES)}
        for part in _chunks(len(firms), chunk):
            scores = baselines.scores(firms[part])
            scores["model"] = recommender.score_grid(firms[part], "University", ranking=True)
            candidates = candidate_ok[None, :] & ~(known[part].toarray() > 0)
            relevant = new[part].toarray() > 0
            for name, total in sums.items():
                total.add(ranking_metrics(scores[name], candidates, relevant, k))
        result["model"] = sums.pop("model").result()
        result["baselines"] = {name: total.result() for name, total in sums.items()}
    if ablation:
        rows = []
        variants = [("all", SIGNALS)]
        variants += [(f"without {s}", tuple(x for x in SIGNALS if x != s)) for s in SIGNALS]
        variants += [(f"only {s}", (s,)) for s in SIGNALS]
        for variant, signals in variants:
            if variant == "all":
                metrics = result["model"]
            else:
                fitted = PairingRecommender(**{**params, "signals": signals}).fit(data, until_year=cutoff_year)
                metrics = _model_metrics(fitted, firms, known, new, candidate_ok, k, chunk)
            rows.append({"variant": variant, "signals": list(signals),
                         **{key: metrics[key] for key in ("p_at_k", "r_at_k", "mrr", "ndcg")}})
        result["ablation"] = rows
    result["selection"] = recommender.selection_
    result["exposure"] = recommender.exposure_
    result["cutoff_year"] = int(cutoff_year)
    result["k"] = int(k)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


class _Sums:
    """Running firm-weighted sums of :func:`ranking_metrics` results (accuracy over blocks of test firms)."""

    def __init__(self) -> None:
        self.sums = {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0}
        self.firms = 0

    def add(self, metrics: dict[str, Any]) -> None:
        for key in self.sums:
            self.sums[key] += metrics[key] * metrics["firms"]
        self.firms += int(metrics["firms"])

    def result(self) -> dict[str, Any]:
        return {**{key: value / max(self.firms, 1) for key, value in self.sums.items()}, "firms": self.firms}


def _evaluate_lists(result: dict[str, Any], data: PairingData, recommender: PairingRecommender,
                    baselines: _Baselines, cutoff_year: int, candidate_ok: np.ndarray, k: int, chunk: int,
                    test_firms: np.ndarray, new: sp.csr_matrix) -> None:
    """Accuracy on the test firms, and coverage, top share and novelty of every method over the top-k lists of
    all firms existing by the cut-off: every firm's scores are computed once (the test firms are among them)."""
    firms = np.flatnonzero(data.exists_by("Enterprise", cutoff_year))
    n_u = data.count("University")
    names = ("model", *BASELINES)
    tallies = {name: _Diversity(n_u) for name in names}
    sums = {name: _Sums() for name in names}
    # the model by group: firms without any university / institute partner by the cut-off (cold start) and the rest
    group_tallies = {group: _Diversity(n_u) for group in GROUPS}
    group_sums = {group: _Sums() for group in GROUPS}
    for part in _chunks(len(firms), max(chunk, 1024)):
        block = firms[part]
        known = baselines.A[block].toarray() > 0
        candidates = candidate_ok[None, :] & ~known
        scores = baselines.scores(block)
        scores["model"] = recommender.score_grid(block, "University", ranking=True)
        tested = np.isin(block, test_firms)
        rows = np.searchsorted(test_firms, block[tested])
        relevant = new[rows].toarray() > 0 if len(rows) else None
        for name, tally in tallies.items():
            top = _top_k(scores[name], candidates, k)
            tally.add(top)
            if relevant is not None:
                sums[name].add(ranking_metrics(scores[name][tested], candidates[tested], relevant, k))
            if name != "model":
                continue
            cold = ~known.any(axis=1)
            for group, members in (("no_partner", cold), ("with_partner", ~cold)):
                group_tallies[group].add(top[members])
                if relevant is not None and members[tested].any():
                    inside = members[tested]
                    group_sums[group].add(ranking_metrics(scores[name][tested][inside], candidates[tested][inside],
                                                          relevant[inside], k))
    result["model"] = sums["model"].result()
    result["baselines"] = {name: sums[name].result() for name in BASELINES}
    ids = data.ids[data.members("University")]
    for name, tally in tallies.items():
        metrics = tally.result(candidate_ok, baselines.degree)
        top = metrics.pop("top_partner")
        metrics["top_partner_id"] = str(ids[top]) if top >= 0 else None
        target = result["model"] if name == "model" else result["baselines"][name]
        target.update(metrics)
    result["groups"] = {}
    for group in GROUPS:
        metrics = group_tallies[group].result(candidate_ok, baselines.degree)
        top = metrics.pop("top_partner")
        metrics["top_partner_id"] = str(ids[top]) if top >= 0 else None
        result["groups"][group] = {**group_sums[group].result(), **metrics}
    result["catalogue"] = int(candidate_ok.sum())
    result["lists"] = len(firms)


def ablation_table(result: dict[str, Any]) -> pd.DataFrame:
    """The model, baselines and ablation of an :func:`evaluate_pairing` result as one table.

    Returns
    -------
    pandas.DataFrame
        ``method, p_at_k, r_at_k, mrr, ndcg`` and, when the result has them, ``coverage,
        top_share, popularity_percentile`` (rounded to 4 places; ablation rows leave them empty).

    Examples
    --------
    >>> r = {"model": {"p_at_k": 0.2, "r_at_k": 0.5, "mrr": 0.4, "ndcg": 0.3, "firms": 3},
    ...      "baselines": {"popularity": {"p_at_k": 0.1, "r_at_k": 0.2, "mrr": 0.2, "ndcg": 0.1, "firms": 3}}}
    >>> ablation_table(r)["method"].tolist()
    ['model', 'baseline: popularity']
    """
    columns = ["p_at_k", "r_at_k", "mrr", "ndcg"]
    extra = [c for c in DIVERSITY if c in result["model"]]
    rows = [{"method": "model", **{c: result["model"][c] for c in columns + extra}}]
    rows += [{"method": f"baseline: {name}", **{c: m.get(c) for c in columns + extra}}
             for name, m in result["baselines"].items()]
    rows += [{"method": f"ablation: {r['variant']}", **{c: r[c] for c in columns}}
             for r in result.get("ablation", []) if r["variant"] != "all"]
    return pd.DataFrame(rows, columns=["method", *columns, *extra]).round(4)
