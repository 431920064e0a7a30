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
   firm → university → firm → university) and ``content`` (TF-IDF cosine of
   keywords only).

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
from analysis.pairing.model import PairingRecommender
from graph.errors import SchemaError
from graph.store import GraphStore

__all__ = ["BASELINES", "ablation_table", "baseline_scores", "evaluate_pairing", "evaluation_split", "ranking_metrics"]

BASELINES: tuple[str, ...] = ("popularity", "three_path", "content")


def ranking_metrics(scores: np.ndarray, candidates: np.ndarray, relevant: np.ndarray, k: int = 10) -> dict[str, float]:
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

    Returns
    -------
    dict
        ``p_at_k, r_at_k, mrr, ndcg, firms``.
    """
    if k < 1:
        raise SchemaError(f"k must be at least 1, got {k!r}")
    n = scores.shape[0]
    if n == 0:
        return {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0, "firms": 0}
    masked = np.where(candidates, scores.astype(float), -np.inf)
    order = np.argsort(-masked, axis=1, kind="stable")
    hits = np.take_along_axis(relevant & candidates, order, axis=1)
    n_relevant = hits.sum(axis=1)
    top = hits[:, :k]
    p_at_k = top.sum(axis=1) / k
    r_at_k = top.sum(axis=1) / np.maximum(n_relevant, 1)
    first = np.argmax(hits, axis=1)
    mrr = np.where(n_relevant > 0, 1.0 / (first + 1), 0.0)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (top * discounts[: top.shape[1]]).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, k) - 1]
    ndcg = np.where(n_relevant > 0, dcg / np.where(n_relevant > 0, ideal, 1.0), 0.0)
    return {
        "p_at_k": float(p_at_k.mean()),
        "r_at_k": float(r_at_k.mean()),
        "mrr": float(mrr.mean()),
        "ndcg": float(ndcg.mean()),
        "firms": int(n),
    }


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


def baseline_scores(data: PairingData, cutoff_year: int, firms: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of the three baselines for ``firms`` (local positions) × all universities.

    Returns
    -------
    dict
        ``popularity``, ``three_path``, ``content`` → ndarray (n_firms, n_universities).
    """
    links = data.links("University")
    n_e, n_u = data.count("Enterprise"), data.count("University")
    A = data.matrix(links, "e", "t", (n_e, n_u), until=cutoff_year)
    degree = np.asarray(A.sum(axis=0)).ravel()
    popularity = np.broadcast_to(degree[None, :], (len(firms), n_u)).astype(float)
    three_path = np.asarray((A[firms] @ (A.T @ A)).todense(), dtype=float)
    texts = _texts(data, "University")
    content = np.asarray((texts.firm[firms] @ texts.target.T).todense(), dtype=float)
    return {"popularity": popularity, "three_path": three_path, "content": content}


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _model_metrics(recommender: PairingRecommender, firms: np.ndarray, known: sp.csr_matrix, new: sp.csr_matrix,
                   candidate_ok: np.ndarray, k: int, chunk: int) -> dict[str, float]:
    totals: dict[str, float] = {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0}
    for part in _chunks(len(firms), chunk):
        scores = recommender.score_grid(firms[part], "University")
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
    **params
        Passed to :class:`PairingRecommender` (``model``, ``negatives`` …).

    Returns
    -------
    dict
        ``{"model": {"p_at_k", "r_at_k", "mrr", "ndcg", "firms"}, "baselines":
        {"popularity": {...}, "three_path": {...}, "content": {...}}, "cutoff_year", "k",
        "seconds"}`` and, with ``ablation``, ``"ablation"``: a list of dicts
        ``variant, signals, p_at_k, r_at_k, mrr, ndcg``.
    """
    started = time.perf_counter()
    data = PairingData.load(source)
    firms, known, new, candidate_ok = evaluation_split(data, cutoff_year, sample, seed)
    recommender = PairingRecommender(**params).fit(data, until_year=cutoff_year)
    result: dict[str, Any] = {
        "model": _model_metrics(recommender, firms, known, new, candidate_ok, k, chunk),
        "baselines": {},
    }
    for part in _chunks(len(firms), chunk):
        scores = baseline_scores(data, cutoff_year, firms[part])
        candidates = candidate_ok[None, :] & ~(known[part].toarray() > 0)
        relevant = new[part].toarray() > 0
        for name in BASELINES:
            metrics = ranking_metrics(scores[name], candidates, relevant, k)
            sums = result["baselines"].setdefault(name, {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0})
            for key in sums:
                sums[key] += metrics[key] * metrics["firms"]
    for name in BASELINES:
        sums = result["baselines"].setdefault(name, {"p_at_k": 0.0, "r_at_k": 0.0, "mrr": 0.0, "ndcg": 0.0})
        result["baselines"][name] = {**{key: v / max(len(firms), 1) for key, v in sums.items()},
                                     "firms": len(firms)}
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
    result["cutoff_year"] = int(cutoff_year)
    result["k"] = int(k)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def ablation_table(result: dict[str, Any]) -> pd.DataFrame:
    """The model, baselines and ablation of an :func:`evaluate_pairing` result as one table.

    Returns
    -------
    pandas.DataFrame
        ``method, p_at_k, r_at_k, mrr, ndcg`` (rounded to 4 places).

    Examples
    --------
    >>> r = {"model": {"p_at_k": 0.2, "r_at_k": 0.5, "mrr": 0.4, "ndcg": 0.3, "firms": 3},
    ...      "baselines": {"popularity": {"p_at_k": 0.1, "r_at_k": 0.2, "mrr": 0.2, "ndcg": 0.1, "firms": 3}}}
    >>> ablation_table(r)["method"].tolist()
    ['model', 'baseline: popularity']
    """
    columns = ["p_at_k", "r_at_k", "mrr", "ndcg"]
    rows = [{"method": "model", **{c: result["model"][c] for c in columns}}]
    rows += [{"method": f"baseline: {name}", **{c: m[c] for c in columns}} for name, m in result["baselines"].items()]
    rows += [{"method": f"ablation: {r['variant']}", **{c: r[c] for c in columns}}
             for r in result.get("ablation", []) if r["variant"] != "all"]
    return pd.DataFrame(rows, columns=["method", *columns]).round(4)
