"""The recommender: a scikit-learn estimator over the pair features."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from analysis.pairing.data import TARGET_KINDS, InsufficientDataError, PairingData, _result_columns
from analysis.pairing.features import (
    _SIGNAL_COLUMNS,
    FEATURE_NAMES,
    FEATURES,
    SIGNALS,
    _pair_features,
    _Snapshot,
    _Static,
)
from analysis.pairing.reasons import _SIGNAL_EN, _SIGNAL_ZH, _Lookup
from graph.errors import NotFittedError, NotFoundError, SchemaError
from graph.store import GraphStore

__all__ = ["PairingRecommender"]

class PairingRecommender(BaseEstimator):
    """Recommend universities / institutes or experts for a firm, and firms for a university.

    Parameters
    ----------
    signals : sequence of str, optional
        The signals to use (default all of :data:`SIGNALS`); the ablation switches them.
    model : {"logistic", "gbm"}
        ``"logistic"``: standardised logistic regression (fast, contributions are exact
        in logit units); ``"gbm"``: scikit-learn ``HistGradientBoostingClassifier``.
    negatives : int
        Negative pairs sampled per positive (from the same firm's candidates).
    snapshots : int
        How many cut-off years before ``until_year`` to learn from.
    min_positives : int
        Fewer positives than this for a target kind → that kind borrows the
        University model (same features).
    random_state : int
    validate : bool
        Choose the signals and the model form by an inner temporal validation: the last year
        before the cut-off is held out inside the training data (see ``selection_``).
    validation_firms : int
        Most held-out firms the inner validation ranks (a seeded sample beyond that).
    diversity_tolerance : float
        Share of the best held-out nDCG@10 the inner validation may give up for a popularity penalty
        (the largest penalty within it is chosen: lists that differ more from firm to firm).
    coverage_target : float or None
        Catalogue coverage@10 the lists should reach (issue 14's product target: 20 % of the partners that could
        be recommended).  When the penalty chosen within ``diversity_tolerance`` leaves the top-10 lists of all
        firms at the inner cut-off below it, the smallest larger penalty that reaches it is taken, as long as its
        held-out nDCG@10 stays within ``coverage_tolerance`` of the best; None switches this step off.
    coverage_tolerance : float
        Share of the best held-out nDCG@10 the coverage step may give up.
    max_share : float or None
        An exposure cap (a partner's capacity): the most any one university / institute may take of the firms'
        top-10 lists, e.g. 0.25 → none is in more than a quarter of them (issue 14's top-share target).  Off
        (None) by default, because it costs accuracy (see the README); when set, ``fit`` lets each capped
        partner keep the lists of the firms for which it holds the largest share of the firm's own model
        probability (softmax of the ranking score over the firm's candidates) and moves it down in the others
        (:meth:`_exposure_cap`; ``exposure_`` reports it).  Lists of chosen candidates (an event's attendees)
        are never capped.

    Attributes
    ----------
    data_ : PairingData
    year_ : float
        The cut-off the recommendations are made at.
    models_ : dict
        Target kind → fitted pipeline.
    snapshots_ : dict
        Target kind → the feature snapshot at ``year_``.
    training_ : pandas.DataFrame
        Per target kind: ``kind, snapshot, positives, negatives``.
    signals_ : tuple of str
        The signals kept (by the inner validation: a signal whose removal does not lower the
        held-out accuracy gets no weight).
    selection_ : dict or None
        The inner validation's report: ``inner_year``, ``validation_firms``, ``signals`` (kept),
        ``dropped``, ``objective_without`` (nDCG@10 without each signal), ``blend`` (the chosen
        weights of feature model, RP³ score and popularity penalty) and ``candidates`` (every blend
        tried with its P@10, MRR and nDCG@10) and, with ``coverage_target``, ``coverage`` (the coverage step:
        coverage@10 of the lists at the cut-off and held-out nDCG@10 of each penalty it considered, and the penalty
        kept; :meth:`_coverage_step`); None without validation or with too little history.
    cf_ : tuple of (numpy.ndarray, numpy.ndarray) or None
        Firm and institute factors of the collaborative-filtering term (``implicit`` ALS on the TF-IDF weighted
        firm × institute matrix up to the cut-off) when the inner validation chose one, else None.
    exposure_ : dict or None
        With ``max_share``: ``max_share``, ``lists`` (firms existing at the cut-off), ``limit`` (most lists per
        partner) and ``capped`` (ids of the partners whose exposure was cut, with the lists each had before and
        keeps); None without a cap.

    Examples
    --------
    >>> rec = PairingRecommender()
    >>> rec.recommend("e1")
    Traceback (most recent call last):
    ...
    graph.errors.NotFittedError: this PairingRecommender is not fitted yet; call fit(store) first
    """

    def __init__(
        self,
        signals: Sequence[str] | None = None,
        model: str = "logistic",
        negatives: int = 20,
        snapshots: int = 3,
        min_positives: int = 20,
        random_state: int = 0,
        validate: bool = True,
        validation_firms: int = 1500,
        diversity_tolerance: float = 0.02,
        coverage_target: float | None = 0.2,
        coverage_tolerance: float = 0.10,
        max_share: float | None = None,
    ) -> None:
        self.signals = signals
        self.model = model
        self.negatives = negatives
        self.snapshots = snapshots
        self.min_positives = min_positives
        self.random_state = random_state
        self.validate = validate
        self.validation_firms = validation_firms
        self.diversity_tolerance = diversity_tolerance
        self.coverage_target = coverage_target
        self.coverage_tolerance = coverage_tolerance
        self.max_share = max_share

    # ---- fitting ------------------------------------------------------------------------
    def _signals(self) -> tuple[str, ...]:
        signals = tuple(SIGNALS if self.signals is None else self.signals)
        unknown = [s for s in signals if s not in SIGNALS]
        if unknown or not signals:
            raise SchemaError(f"unknown or no signals {unknown or list(signals)!r}; use some of: {', '.join(SIGNALS)}")
        return signals

    def _columns(self) -> np.ndarray:
        names = [f for s in SIGNALS for f in FEATURES[s]]
        used = {f for s in self._signals() for f in FEATURES[s]}
        return np.array([i for i, f in enumerate(names) if f in used], dtype=np.int64)

    def _make_model(self) -> Pipeline:
        if self.model == "logistic":
            return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        if self.model == "gbm":
            return make_pipeline(
                HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, random_state=self.random_state)
            )
        raise SchemaError(f"unknown model {self.model!r}; use 'logistic' or 'gbm'")

    def fit(self, store_or_graph: GraphStore | nx.Graph | PairingData, until_year: int | None = None
            ) -> PairingRecommender:
        """Learn the signal weights from links made up to ``until_year`` (all data when None).

        Returns
        -------
        PairingRecommender
            ``self``.

        Raises
        ------
        InsufficientDataError
            When there are no dated enterprise–university links to learn from.
        """
        columns = self._columns()
        self._make_model()
        data = PairingData.load(store_or_graph)
        if data.count("Enterprise") == 0:
            raise InsufficientDataError("no Enterprise nodes to pair; ingest organisations first")
        year = float(until_year) if until_year is not None else data.max_year
        if math.isnan(year):
            raise InsufficientDataError(
                "no relationship carries a year, so there is no history to learn from; "
                "ingest collaborations or project participations with their year"
            )
        rng = np.random.default_rng(self.random_state)
        statics = {t: _Static(data, t) for t in TARGET_KINDS if data.count(t) > 0}
        self.selection_ = None
        self.blend_ = {t: _Blend() for t in statics}
        self.signals_ = self._signals()
        self.cf_ = None
        if self.validate:
            columns = self._inner_validation(data, statics, year, columns, rng)
        models, snaps, references, stats = self._fit_core(data, statics, year, columns, rng, keep=True)
        self.data_ = data
        self.year_ = year
        self.columns_ = columns
        self.models_ = models
        self.snapshots_ = snaps
        self.references_ = references
        # what one recommend call needs, indexed once (the hot path uses no pandas, no sparse indexing)
        self.lookups_ = {target: _Lookup(snap) for target, snap in snaps.items()}
        self.linear_ = {target: _linear(model, columns) for target, model in models.items()}
        self.exists_ = {k: data.exists_by(k, year) for k in ("Enterprise", *snaps)}
        blend = self.blend_["University"]
        if blend.cf:
            self.cf_ = _cf_factors(data, year, blend.cf_factors, self.random_state)
            blend.cf_mean, blend.cf_std = _cf_stats(self.cf_, self.exists_["Enterprise"], self.exists_["University"],
                                                    snaps["University"].A, rng)
        if self.coverage_target is not None and self.selection_ is not None:
            self.blend_["University"], self.selection_["coverage"] = self._coverage_step(
                data, snaps["University"], models["University"], columns, year, blend,
                self.selection_["candidates"], self.cf_)
            self.selection_["blend"] = self.blend_["University"].as_dict()
        self.columns_of_ = {k: _result_columns(data, k) for k in ("Enterprise", *snaps)}
        self.training_ = pd.DataFrame(stats, columns=["kind", "snapshot", "positives", "negatives"])
        self.score_quantiles_ = {target: self._score_quantiles(target, rng) for target in snaps}
        self.exposure_, self.floors_ = None, {}
        if self.max_share is not None:
            self.floors_["University"], self.exposure_ = self._exposure_cap("University")
        return self

    def _score_quantiles(self, kind: str, rng: np.random.Generator, sample: int = 512) -> np.ndarray:
        """Scores (0–1) at the percentiles 0, 1, …, 100 of all possible new pairs (firm × ``kind``) at the cut-off."""
        firms = np.flatnonzero(self.exists_["Enterprise"])
        if len(firms) > sample:
            firms = np.sort(rng.choice(firms, size=sample, replace=False))
        ok = self.exists_[kind]
        if len(firms) == 0 or not ok.any():
            return np.linspace(0.0, 1.0, 101)
        scores = self.score_grid(firms, kind, probability=True)
        keep = self._candidates(firms, kind)
        values = scores[keep] if keep.any() else scores.ravel()
        return np.quantile(values, np.linspace(0.0, 1.0, 101))

    def _exposure_cap(self, kind: str, k: int = 10, depth: int = 50
                      ) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, Any]]:
        """Per partner of ``kind``: the floor of its within-firm share below which it leaves a firm's top-``k``.

        A greedy capacity allocation over the top-``k`` lists of every firm existing at the cut-off: while a
        partner is in more than ``max_share`` × lists lists, it keeps the lists of the firms where its share of
        the firm's model probability (:func:`_within_firm_share`) is largest (ties: the earlier firm) and leaves
        the others, whose next candidates move up (which can push another partner over the cap, so it repeats).
        The same rule on one firm's scores gives the same lists (:meth:`_demoted`).  Each firm's best
        ``k + depth`` candidates are considered.  Returns ``(floor share, floor firm)`` per partner (-inf / the
        last firm where uncapped) and the report kept in ``exposure_``.
        """
        if not 0.0 < float(self.max_share) <= 1.0:
            raise SchemaError(f"max_share must be above 0 and at most 1, got {self.max_share!r}")
        firms = np.flatnonzero(self.exists_["Enterprise"])
        n_t = self.snapshots_[kind].static.n_targets
        floor_share = np.full(n_t, -np.inf)
        floor_firm = np.full(n_t, np.iinfo(np.int64).max, dtype=np.int64)
        limit = max(math.floor(float(self.max_share) * len(firms)), 1)
        take = min(k + depth, n_t)
        tops, shares = [], []
        for start in range(0, len(firms), 1024):
            block = firms[start : start + 1024]
            logits = self.score_grid(block, kind)
            share = _within_firm_share(logits, self._candidates(block, kind))
            top = _top_columns(share, take)
            tops.append(top)
            shares.append(np.take_along_axis(share, top, axis=1))
        top = np.concatenate(tops) if tops else np.zeros((0, take), dtype=np.int64)
        share = np.concatenate(shares) if shares else np.zeros((0, take))
        rows = np.broadcast_to(firms[:, None], top.shape)
        before = None
        for _ in range(10 * n_t):
            allowed = np.isfinite(share) & ~_below(share, rows, floor_share[top], floor_firm[top])
            listed = allowed & (np.cumsum(allowed, axis=1) <= k)
            counts = np.bincount(top[listed], minlength=n_t)
            if before is None:
                before = counts
            over = np.flatnonzero(counts > limit)
            if len(over) == 0:
                break
            for target in over:
                r, c = np.nonzero(listed & (top == target))
                order = np.lexsort((firms[r], -share[r, c]))  # largest share first, then the earlier firm
                last = order[limit - 1]
                floor_share[target], floor_firm[target] = share[r[last], c[last]], firms[r[last]]
        ids = self.data_.ids[self.data_.members(kind)]
        capped = np.flatnonzero(np.isfinite(floor_share))
        report = {"max_share": float(self.max_share), "lists": len(firms), "limit": limit,
                  "capped": [{"id": str(ids[t]), "lists_before": int(before[t]), "lists": int(counts[t])}
                             for t in capped[np.argsort(-before[capped], kind="stable")]] if before is not None else []}
        return (floor_share, floor_firm), report

    def _candidates(self, firms: np.ndarray, kind: str) -> np.ndarray:
        """Bool (len(firms), n_targets): partners existing at the cut-off that the firm has not worked with."""
        return self.exists_[kind][None, :] & ~(self.snapshots_[kind].A[firms].toarray() > 0)

    def _rank_by(self, firms: np.ndarray, kind: str, logits: np.ndarray) -> np.ndarray:
        """``logits`` of ``firms`` with the pairs the exposure cap moves down lowered by :data:`_DEMOTION`."""
        demoted = self._demoted(firms, kind, logits)
        return logits if demoted is None else logits - _DEMOTION * demoted

    def _demoted(self, firms: np.ndarray, kind: str, logits: np.ndarray) -> np.ndarray | None:
        """Bool mask of the pairs the exposure cap moves down (None without a cap): ``logits`` (len(firms), n)."""
        floors = getattr(self, "floors_", {}).get(kind)
        if floors is None:
            return None
        share = _within_firm_share(logits, self._candidates(firms, kind))
        return _below(share, np.broadcast_to(np.asarray(firms)[:, None], share.shape), floors[0][None, :],
                      floors[1][None, :])

    def match_index(self, scores: np.ndarray, kind: str = "University") -> np.ndarray:
        """Scores (0–1) as a 0–100 match index: the share of all possible new pairs that score lower.

        A match index of 87 means the pair is a better match than 87 % of the firm × partner pairs
        that could be proposed at the cut-off.
        """
        self._check_fitted()
        quantiles = self.score_quantiles_[kind]
        index = np.interp(np.asarray(scores, dtype=float), quantiles, np.linspace(0.0, 100.0, len(quantiles)))
        return np.clip(np.floor(index), 0, 100).astype(np.int64)

    def score_at_index(self, index: float, kind: str = "University") -> float:
        """The score (0–1) at match index ``index``: e.g. 50 → the median score of all possible new pairs."""
        self._check_fitted()
        quantiles = self.score_quantiles_[kind]
        return float(np.interp(index, np.linspace(0.0, 100.0, len(quantiles)), quantiles))

    def _fit_core(self, data: PairingData, statics: dict[str, _Static], year: float, columns: np.ndarray,
                  rng: np.random.Generator, keep: bool = False
                  ) -> tuple[dict[str, Pipeline], dict[str, _Snapshot], dict[str, np.ndarray], list[dict[str, Any]]]:
        """Learn the feature weights from the ``snapshots`` years before ``year`` (links up to ``year``)."""
        models: dict[str, Pipeline] = {}
        snaps: dict[str, _Snapshot] = {}
        stats: list[dict[str, Any]] = []
        references: dict[str, np.ndarray] = {}
        # only the features the model (and the blend) reads are computed; dropped signals stay 0
        needed = (None if len(columns) == len(FEATURE_NAMES) else
                  frozenset(FEATURE_NAMES[c] for c in columns) | {FEATURE_NAMES[_RA], FEATURE_NAMES[_POP]})
        for target, static in statics.items():
            X_parts, y_parts = [], []
            for back in range(1, self.snapshots + 1):
                snap_year = year - back
                snap = _Snapshot(static, snap_year)
                snap.needed = needed
                X, y = self._training_rows(data, target, snap, year, rng)
                stats.append({"kind": target, "snapshot": int(snap_year), "positives": int(y.sum()),
                              "negatives": int(len(y) - y.sum())})
                if len(y):
                    X_parts.append(X)
                    y_parts.append(y)
            snaps[target] = _Snapshot(static, year)
            snaps[target].needed = needed
            if keep:
                snaps[target].keep_grid()
            X = np.concatenate(X_parts) if X_parts else np.zeros((0, len(FEATURE_NAMES)), np.float32)
            y = np.concatenate(y_parts) if y_parts else np.zeros(0)
            if y.sum() >= self.min_positives and (y == 0).sum() > 0:
                pipeline = self._make_model()
                pipeline.fit(X[:, columns], y)
                models[target] = pipeline
                references[target] = X[y == 0].mean(axis=0)
        if "University" not in models:
            raise InsufficientDataError(
                f"fewer than {self.min_positives} new enterprise–university links in the {self.snapshots} years "
                f"up to {int(year)}; there is not enough history to learn pairing weights — ingest more dated "
                "collaborations / project participations, or use an earlier until_year"
            )
        for target in snaps:
            if target not in models:  # too few talent links: borrow the university weights
                models[target] = models["University"]
                references[target] = references["University"]
        return models, snaps, references, stats

    def _inner_validation(self, data: PairingData, statics: dict[str, _Static], year: float, columns: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
        """Choose signals and model form on the last year before ``year``, held out inside the training data.

        Fits on data up to ``year - 1``, ranks the partners the firms gained in ``year`` and keeps
        (1) the signals whose removal lowers the validation accuracy (nDCG@10), and (2) the blend of the
        feature model with an RP³ item-similarity score and an ``implicit`` ALS score (factors and weight from a
        small grid) that ranks best, then the largest popularity penalty whose nDCG@10 stays within
        ``diversity_tolerance`` of the best (more personal lists at almost the same accuracy; see
        :func:`_choose_blend`).  Sets ``selection_`` and ``blend_``; returns the columns.
        """
        inner = year - 1
        try:
            models, snaps, references, _ = self._fit_core(data, {"University": statics["University"]}, inner,
                                                          columns, rng)
        except InsufficientDataError:
            return columns
        firms, known, new = _held_out(data, inner, year)
        if len(firms) < 10:
            return columns
        if len(firms) > self.validation_firms:
            firms = np.sort(rng.choice(firms, size=self.validation_firms, replace=False))
            known, new = _held_out(data, inner, year, firms)[1:]
        ok = data.exists_by("University", inner)
        candidates = ok[None, :] & ~(known.toarray() > 0)
        relevant = new.toarray() > 0
        grid = snaps["University"].grid(firms)
        flat = grid.reshape(-1, grid.shape[-1])
        model = models["University"]
        logits = model.decision_function(flat[:, columns]).reshape(grid.shape[:2])
        signals = list(self._signals())
        report: dict[str, Any] = {"inner_year": int(inner), "validation_firms": len(firms)}
        base = _objective(logits, candidates, relevant)
        report["objective"] = round(base["objective"], 4)
        linear = _linear(model, columns)
        kept = list(signals)
        if linear is not None and len(signals) > 1:
            contributions = linear.contributions(flat, references["University"], signals)
            without = {}
            for i, signal in enumerate(signals):
                score = _objective(logits - contributions[i].reshape(logits.shape), candidates, relevant)
                without[signal] = round(score["objective"], 4)
                if score["objective"] >= base["objective"]:
                    kept.remove(signal)
            report["objective_without"] = without
            if not kept:
                kept = list(signals)
        report["signals"] = kept
        report["dropped"] = [s for s in signals if s not in kept]
        if kept != signals:  # the blend is chosen with the model the final fit will have
            kept_columns = _columns_of(kept)
            models, snaps, references, _ = self._fit_core(data, {"University": statics["University"]}, inner,
                                                          kept_columns, rng)
            logits = models["University"].decision_function(flat[:, kept_columns]).reshape(grid.shape[:2])
            columns = kept_columns
        cf = {}
        for factors in _CF_FACTORS:
            users, items = _cf_factors(data, inner, factors, self.random_state)
            cf[factors] = users[firms] @ items.T
        blend, table = _choose_blend(logits, grid, candidates, relevant, cf, self.diversity_tolerance)
        report["blend"] = blend.as_dict()
        report["candidates"] = table
        self.selection_ = report
        self.blend_["University"] = blend
        self.signals_ = tuple(kept)
        return columns

    def _coverage_step(self, data: PairingData, snap: _Snapshot, model: Pipeline, columns: np.ndarray, year: float,
                       blend: _Blend, table: list[dict[str, float]],
                       cf: tuple[np.ndarray, np.ndarray] | None) -> tuple[_Blend, dict[str, Any]]:
        """The smallest popularity penalty whose lists reach ``coverage_target`` (see the class docstring).

        Coverage needs no labels, so it is measured on the lists the fitted model will give: as
        :func:`analysis.pairing.evaluation.diversity_metrics` does, distinct partners in the top-10 lists of
        *every* firm existing at the cut-off ``year`` / partners existing then, for the chosen blend at each
        penalty the inner validation tried that is not below the chosen one (a firm block at a time, never a
        (firms, partners, features) array).  The accuracy each penalty costs comes from the held-out year
        (``table``: the inner validation's trials), never from data after the cut-off.  Returns the blend (changed
        only when a larger penalty qualifies) and the report: ``target``, ``tolerance``, ``lists``,
        ``by_penalty`` (coverage@10 and held-out nDCG@10 of each penalty) and ``penalty`` (the one kept).
        """
        from analysis.pairing.evaluation import _top_k  # evaluation imports this module

        same = [r for r in table if (r["feature_model"], r["rp3"], r["als"], r["als_factors"])
                == (blend.alpha, blend.rp3, blend.cf, blend.cf_factors)]
        objective = {r["popularity_penalty"]: r["objective"] for r in same}
        best = max(objective.values())
        floor = best * (1.0 - self.coverage_tolerance) - 1e-9
        # only the penalties the rule could take: not below the chosen one, within the tolerance
        penalties = [p for p in sorted(objective) if p >= blend.popularity and (p == blend.popularity
                                                                                or objective[p] >= floor)]
        firms = np.flatnonzero(data.exists_by("Enterprise", year))
        ok = data.exists_by("University", year)
        counts = {p: np.zeros(len(ok), dtype=np.int64) for p in penalties}
        linear = _linear(model, columns)
        for start in range(0, len(firms), 1024):
            block = firms[start : start + 1024]
            if linear is not None:
                raw, extra = snap.weighted(block, *linear.weights(), also=(FEATURE_NAMES[_RA], FEATURE_NAMES[_POP]))
                ra, pop = extra[FEATURE_NAMES[_RA]], extra[FEATURE_NAMES[_POP]]
            else:
                grid = snap.grid(block)
                raw = model.decision_function(grid.reshape(-1, grid.shape[-1])[:, columns]).reshape(grid.shape[:2])
                ra, pop = grid[..., _RA].astype(np.float64), grid[..., _POP].astype(np.float64)
            als = cf[0][block] @ cf[1].T if cf is not None and blend.cf else None
            candidates = self._candidates(block, "University")
            # the blend without its penalty once; each penalty then subtracts spread × penalty × z(popularity)
            unpenalised = _Blend(**{**blend.__dict__, "popularity": 0.0}).apply_parts(raw, ra, pop, als)
            z_pop = blend.spread * (pop - blend.pop_mean) / blend.pop_std
            for penalty in penalties:
                top = _top_k(unpenalised - penalty * z_pop, candidates, 10)
                counts[penalty] += np.bincount(top[top >= 0], minlength=len(ok))
        coverage = {p: float(np.count_nonzero(c) / max(int(ok.sum()), 1)) for p, c in counts.items()}
        chosen = blend.popularity
        if coverage[chosen] < self.coverage_target:
            reach = [p for p in penalties if coverage[p] >= self.coverage_target and objective[p] >= floor]
            if reach:
                chosen = reach[0]
        report = {"target": self.coverage_target, "tolerance": self.coverage_tolerance, "lists": len(firms),
                  "by_penalty": [{"popularity_penalty": p, "coverage": round(coverage[p], 4),
                                  "objective": objective[p]} for p in penalties],
                  "penalty": chosen}
        return _Blend(**{**blend.__dict__, "popularity": chosen}), report

    def _training_rows(self, data: PairingData, target: str, snap: _Snapshot, until: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        links = data.links(target)
        year = links["year"].to_numpy()
        firm_ok = data.exists_by("Enterprise", snap.year)
        target_ok = data.exists_by(target, snap.year)
        e, t = links["e"].to_numpy(), links["t"].to_numpy()
        new = (~np.isnan(year)) & (year > snap.year) & (year <= until) & firm_ok[e] & target_ok[t]
        pos_e, pos_t = e[new], t[new]
        n_t = snap.static.n_targets
        if len(pos_e) == 0:
            return np.zeros((0, len(FEATURE_NAMES)), np.float32), np.zeros(0)
        # negatives: the same firm's candidates (existing targets it had not worked with, not a positive)
        known = set((snap.A.nonzero()[0] * n_t + snap.A.nonzero()[1]).tolist())
        known |= set((pos_e * n_t + pos_t).tolist())
        candidates = np.flatnonzero(target_ok)
        draws = rng.choice(candidates, size=(len(pos_e), self.negatives), replace=True)
        neg_e = np.repeat(pos_e, self.negatives)
        neg_t = draws.ravel()
        code = neg_e * n_t + neg_t
        fine = ~np.isin(code, np.fromiter(known, dtype=np.int64, count=len(known)))
        neg_e, neg_t = neg_e[fine], neg_t[fine]
        all_e = np.concatenate([pos_e, neg_e])
        all_t = np.concatenate([pos_t, neg_t])
        labels = np.concatenate([np.ones(len(pos_e)), np.zeros(len(neg_e))])
        X = _pair_features(snap, all_e, all_t)
        return X, labels

    # ---- scoring ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(store) first")

    def score_grid(self, firm_positions: np.ndarray, kind: str = "University",
                   target_positions: np.ndarray | None = None, probability: bool = False,
                   ranking: bool = False) -> np.ndarray:
        """Model scores (logit; 0–1 with ``probability``) of firms × targets, by local positions.

        Shape (n_firms, n_targets).  For the evaluation: the caller masks existing partners itself.
        ``ranking``: the numbers lists are ordered by — with an exposure cap (``max_share``), the pairs it moves
        down are lowered by :data:`_DEMOTION` (not a score any more; all targets only, no ``probability``).
        """
        if ranking:
            if probability or target_positions is not None:
                raise SchemaError("ranking scores are logits of every target; drop probability / target_positions")
            return self._rank_by(np.asarray(firm_positions), kind, self.score_grid(firm_positions, kind))
        self._check_fitted()
        snap, model = self.snapshots_[kind], self.models_[kind]
        linear = self.linear_.get(kind)
        blend = self.blend_[kind]
        cf = None
        if kind == "University" and self.cf_ is not None:
            users, items = self.cf_
            cf = users[np.asarray(firm_positions)] @ (items if target_positions is None
                                                      else items[np.asarray(target_positions)]).T
        if linear is not None and target_positions is None:
            # feature by feature, without the (firms, targets, features) grid: the same logits, less memory traffic
            raw, extra = snap.weighted(np.asarray(firm_positions), *linear.weights(),
                                       also=(FEATURE_NAMES[_RA], FEATURE_NAMES[_POP]))
            logits = blend.apply_parts(raw, extra[FEATURE_NAMES[_RA]], extra[FEATURE_NAMES[_POP]], cf)
            return 1.0 / (1.0 + np.exp(-logits)) if probability else logits
        grid = snap.grid(np.asarray(firm_positions), target_positions)
        flat = grid.reshape(-1, grid.shape[-1])
        raw = linear.decision(flat) if linear is not None else model.decision_function(flat[:, self.columns_])
        logits = blend.apply(raw.reshape(grid.shape[:2]), grid, cf)
        return 1.0 / (1.0 + np.exp(-logits)) if probability else logits

    def recommend_all(self, k: int = 10, kind: str = "University", chunk: int = 2048) -> pd.DataFrame:
        """Top ``k`` new partners of ``kind`` for every enterprise that exists by the cut-off (batch, no reasons).

        Returns
        -------
        pandas.DataFrame
            ``enterprise_id, rank, partner_id, score`` (existing partners excluded).
        """
        self._check_fitted()
        if kind not in self.snapshots_:
            raise SchemaError(f"no {kind!r} model; use one of: {', '.join(self.snapshots_)}")
        data, snap = self.data_, self.snapshots_[kind]
        n_targets = snap.static.n_targets
        take = min(k, n_targets)
        existing_firms = np.flatnonzero(self.exists_["Enterprise"])  # only firms that exist by the cut-off
        firm_parts, target_parts, score_parts = [], [], []
        for start in range(0, len(existing_firms), chunk):
            block = existing_firms[start : start + chunk]
            logits = self.score_grid(block, kind)
            rank_by = np.where(self._candidates(block, kind), self._rank_by(block, kind, logits), -np.inf)
            top = _top_columns(rank_by, take)
            values = np.where(np.isfinite(np.take_along_axis(rank_by, top, axis=1)),
                              np.take_along_axis(logits, top, axis=1), -np.inf)
            firm_parts.append(np.repeat(block, take))
            target_parts.append(top.ravel())
            score_parts.append(values.ravel())
        firms, targets, logits = np.concatenate(firm_parts), np.concatenate(target_parts), np.concatenate(score_parts)
        keep = np.isfinite(logits)
        firms, targets, logits = firms[keep], targets[keep], logits[keep]
        out = pd.DataFrame({
            "enterprise_id": data.ids[data.members("Enterprise")[firms]],
            "partner_id": data.ids[data.members(kind)[targets]],
            "score": 1.0 / (1.0 + np.exp(-logits)),
        })
        out.insert(1, "rank", out.groupby("enterprise_id", sort=False).cumcount() + 1)
        return out

    def recommend(
        self,
        entity_id: str,
        k: int = 10,
        *,
        kind: str | None = None,
        category: str | None = None,
        town: str | None = None,
        industry: str | None = None,
        min_score: float | None = None,
        include_existing: bool = False,
        candidates: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The ``k`` best partners for ``entity_id``, with reasons.

        Parameters
        ----------
        entity_id : str
            An Enterprise (→ universities, or talents with ``kind="Talent"``) or a
            University (→ enterprises).
        k : int
        kind : {"University", "Talent", "Enterprise"}, optional
            What to recommend; default University for a firm, Enterprise for a university.
        category, town, industry : str, optional
            Keep only candidates with this ``category`` (高校 / 科研院所), town, or industry.
        min_score : float, optional
            Keep only candidates scoring at least this (0–1).
        include_existing : bool
            Keep partners the entity already works with.
        candidates : iterable of str, optional
            Rank only these ids (e.g. an event's attendees).

        Returns
        -------
        pandas.DataFrame
            ``rank, id, name, kind, score, explanation, reasons, category, town, city,
            province, industry, existing``.  ``score`` is the model's probability of a
            link; ``reasons`` is a list of dicts ``signal, contribution, evidence``.
        """
        self._check_fitted()
        data = self.data_
        position = data.pos.get(entity_id)
        if position is None:
            raise NotFoundError(f"no node with id {entity_id!r}; look it up with `innonet recommend NAME` or by USCC")
        own_kind = str(data.kinds[position])
        if k < 1:
            raise SchemaError(f"k must be at least 1, got {k!r}")
        if own_kind == "Enterprise":
            kind = kind or "University"
            if kind not in self.models_:
                raise SchemaError(f"cannot recommend {kind!r} for an enterprise; use one of: {', '.join(self.models_)}")
            target_kind = kind
            firm = int(data.local[position])
            grid = self.snapshots_[kind].firm_row(firm)  # (n_targets, F)
            candidate_kind = kind
            existing = self.lookups_[kind].existing(firm=firm)
        elif own_kind in TARGET_KINDS:
            kind = kind or "Enterprise"
            if kind != "Enterprise":
                raise SchemaError(f"for a {own_kind} only Enterprise partners can be recommended, not {kind!r}")
            target_kind = own_kind
            target = int(data.local[position])
            grid = self.snapshots_[own_kind].target_column(target)  # (n_firms, F)
            candidate_kind = "Enterprise"
            existing = self.lookups_[own_kind].existing(target=target)
        else:
            raise SchemaError(f"{entity_id!r} is a {own_kind}; recommendations are for Enterprise, University or Talent")
        model = self.models_[target_kind]
        linear = self.linear_[target_kind]
        if linear is not None:
            logits = linear.decision(grid)
        else:
            logits = model.decision_function(grid[:, self.columns_])
        cf = None
        if target_kind == "University" and self.cf_ is not None:
            users, items = self.cf_
            cf = items @ users[firm] if own_kind == "Enterprise" else users @ items[target]
        logits = self.blend_[target_kind].apply(logits, grid, cf)
        scores = 1.0 / (1.0 + np.exp(-logits))
        members = data.members(candidate_kind)
        keep = self.exists_[candidate_kind].copy()
        keep &= members != position
        if not include_existing:
            keep &= ~existing
        if min_score is not None:
            keep &= scores >= min_score
        if candidates is not None:
            allowed = np.zeros(len(members), dtype=bool)
            chosen = [data.pos[c] for c in candidates if c in data.pos]
            allowed[data.local[chosen]] = data.kinds[chosen] == candidate_kind
            keep &= allowed
        columns_of = self.columns_of_[candidate_kind]
        for name, wanted in (("category", category), ("town", town), ("industry", industry)):
            if wanted is not None:
                keep &= columns_of[name] == wanted
        rank_by = logits
        if (own_kind == "Enterprise" and candidates is None  # an event's chosen attendees are never capped
                and target_kind in getattr(self, "floors_", {})):
            # score_grid's numbers, the ones the cap was fitted on and recommend_all ranks by (bit for bit)
            rank_by = self.score_grid(np.array([firm]), target_kind, ranking=True)[0]
        top = _top_columns(np.where(keep, rank_by, -np.inf)[None, :], k)[0]
        top = top[keep[top]]
        if own_kind == "Enterprise":
            firms, others = np.full(len(top), firm), top
        else:
            firms, others = top, np.full(len(top), target)
        index = self.match_index(scores[top], target_kind)
        reasons = self._reasons(target_kind, grid[top], firms, others, index)
        columns = ["rank", "id", "name", "kind", "score", "explanation", "reasons", "category", "town", "city",
                   "province", "country", "industry", "affiliation", "title", "existing"]
        table = np.empty((len(top), len(columns) - 1), dtype=object)
        for j, name in enumerate(columns[1:]):
            if name in columns_of:
                table[:, j] = columns_of[name][top]
        table[:, columns.index("kind") - 1] = candidate_kind
        table[:, columns.index("score") - 1] = np.round(scores[top], 4)
        for row, (explanation, reason_list) in enumerate(reasons):
            table[row, columns.index("explanation") - 1] = explanation
            table[row, columns.index("reasons") - 1] = reason_list
        table[:, columns.index("existing") - 1] = existing[top].tolist() if len(top) else []
        frame = pd.DataFrame(table, columns=columns[1:], dtype=object, copy=False)
        frame.insert(0, "rank", np.arange(1, len(top) + 1, dtype=np.int64))
        frame["score"] = np.round(scores[top], 4).astype(float)
        frame.insert(5, "match_index", index)
        return frame

    # ---- reasons ------------------------------------------------------------------------
    def _reasons(self, kind: str, features: np.ndarray, firms: np.ndarray, targets: np.ndarray,
                 index: np.ndarray | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
        """Explanation and reasons of each (firm, target) pair whose ``features`` are given.

        A signal's contribution is occlusion in logit units: the score minus the score with
        that signal's features set to their mean over negative training pairs.  The explanation
        starts with the match index (0–100) and its meaning and quotes only evidence of signals
        that raise the score (never one that argues against the match).
        """
        if len(features) == 0:
            return []
        reference = self.references_[kind]
        signals = self.signals_
        linear = self.linear_[kind]
        if linear is not None:
            contributions = linear.contributions(features, reference, signals)
        else:
            stacked = [features]
            for signal in signals:
                copy = features.copy()
                copy[:, _SIGNAL_COLUMNS[signal]] = reference[_SIGNAL_COLUMNS[signal]]
                stacked.append(copy)
            values = self.models_[kind].decision_function(
                np.concatenate(stacked)[:, self.columns_]).reshape(len(stacked), -1)
            contributions = values[0][None, :] - values[1:]  # (signals, rows)
        contributions = np.round(contributions, 4).tolist()
        lookup = self.lookups_[kind]
        peers_of: dict[int, np.ndarray] = {}
        out = []
        for row in range(len(features)):
            firm, target = int(firms[row]), int(targets[row])
            peers = peers_of.get(firm)
            if peers is None:
                peers = peers_of[firm] = lookup.peers(firm)
            reason_list = []
            for s_index, signal in enumerate(signals):
                text_zh, text_en = lookup.describe(signal, firm, target, peers)
                reason_list.append({
                    "signal": signal,
                    "contribution": contributions[s_index][row],
                    "evidence": text_en,
                    "evidence_zh": text_zh,
                })
            reason_list.sort(key=lambda r: -r["contribution"])
            shown = [r for r in reason_list if r["contribution"] > 0 and r["evidence"]][:3]
            zh = ";".join(f"{_SIGNAL_ZH[r['signal']]}({r['evidence_zh']})" for r in shown) or "综合各项因素"
            en = "; ".join(f"{_SIGNAL_EN[r['signal']]} ({r['evidence']})" for r in shown) or "all factors together"
            head_zh, head_en = "", ""
            if index is not None:
                value = int(index[row])
                head_zh = f"匹配指数{value}(优于{value}%的可能组合)。"
                head_en = f"Match index {value} (a better match than {value}% of possible pairs). "
            who_zh, who_en = lookup.expert(target) if kind == "Talent" else ("", "")
            out.append((f"{head_zh}{who_zh}推荐理由:{zh} | {head_en}{who_en}Why: {en}", reason_list))
        return out


#: How far (logit units) the exposure cap moves a pair down: below every pair it leaves in place.
_DEMOTION = 1e4


def _top_columns(values: np.ndarray, k: int) -> np.ndarray:
    """Column positions of the ``k`` largest entries of each row, best first, exact ties in column order.

    The one ranking rule of the lists (fit's exposure cap, ``recommend``, ``recommend_all``, the evaluation): no
    epsilon, so two ways of computing the same numbers give the same lists.  ``values`` (n, m) float with -inf
    where a column may not be listed; rows with fewer than ``k`` finite entries end in -inf columns.
    """
    values = np.asarray(values, dtype=np.float64)
    k = min(k, values.shape[1])
    if k == 0 or values.shape[0] == 0:
        return np.zeros((values.shape[0], k), dtype=np.int64)
    part = np.argpartition(-values, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(values, part, axis=1).min(axis=1, keepdims=True)
    above = values > kth
    equal = values == kth
    chosen = above | (equal & (np.cumsum(equal, axis=1) <= k - above.sum(axis=1, keepdims=True)))
    columns = np.nonzero(chosen)[1].reshape(values.shape[0], k)  # ascending columns per row
    order = np.argsort(-np.take_along_axis(values, columns, axis=1), axis=1, kind="stable")
    return np.take_along_axis(columns, order, axis=1)


def _within_firm_share(logits: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Log of each candidate's share of its firm's model probability: softmax of ``logits`` over each row's
    ``candidates`` (both (firms, targets)), in log units; -inf for non-candidates."""
    masked = np.where(candidates, logits, -np.inf)
    top = masked.max(axis=1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    with np.errstate(divide="ignore"):
        total = np.log(np.exp(masked - top).sum(axis=1, keepdims=True))
    return masked - top - total


def _below(share: np.ndarray, firms: np.ndarray, floor_share: np.ndarray, floor_firm: np.ndarray) -> np.ndarray:
    """Whether a pair falls below its partner's floor: a smaller share, or the same share and a later firm."""
    return (share < floor_share) | ((share == floor_share) & (firms > floor_firm))


_RA = FEATURE_NAMES.index("resource_allocation")
_POP = FEATURE_NAMES.index("partner_degree")


@dataclass
class _Blend:
    """The ranking score: ``alpha`` × feature-model logit + spread × (``rp3`` × z(log RP³) + ``cf`` × z(ALS)
    − ``popularity`` × z(log degree)).

    RP³ here is the three-step random walk firm → partner → firm → partner with resource allocation
    (the ``resource_allocation`` feature); the popularity term is the partner's log number of partner
    firms, so a positive ``popularity`` debiases the ranking towards less famous partners.  The ALS term is the
    firm · partner factor product of ``implicit`` ALS (``cf_factors`` factors) on the firm × partner matrix
    (see :func:`_cf_factors`).  ``(1, 0, 0)`` with ``cf = 0`` is the feature model alone.
    """

    alpha: float = 1.0
    rp3: float = 0.0
    popularity: float = 0.0
    spread: float = 1.0
    rp3_mean: float = 0.0
    rp3_std: float = 1.0
    pop_mean: float = 0.0
    pop_std: float = 1.0
    cf: float = 0.0
    cf_factors: int = 0
    cf_mean: float = 0.0
    cf_std: float = 1.0

    def apply(self, logits: np.ndarray, features: np.ndarray, cf: np.ndarray | None = None) -> np.ndarray:
        """Blended scores of rows whose feature-model ``logits`` and ``features`` (…, n_features) are given.

        ``cf``: the rows' raw ALS scores (firm factors · partner factors); needed when ``self.cf`` is not 0.
        """
        return self.apply_parts(logits, features[..., _RA], features[..., _POP], cf)

    def apply_parts(self, logits: np.ndarray, ra: np.ndarray, popularity: np.ndarray,
                    cf: np.ndarray | None = None) -> np.ndarray:
        """:meth:`apply` given the rows' ``resource_allocation`` (``ra``) and ``partner_degree`` features."""
        if self.alpha == 1.0 and self.rp3 == 0.0 and self.popularity == 0.0 and self.cf == 0.0:
            return logits
        out = self.alpha * logits
        if self.rp3:
            out = out + self.spread * self.rp3 * (np.log(ra + 1e-6) - self.rp3_mean) / self.rp3_std
        if self.popularity:
            out = out - self.spread * self.popularity * (popularity - self.pop_mean) / self.pop_std
        if self.cf:
            if cf is None:
                raise SchemaError("this blend has an ALS term; pass the rows' ALS scores")
            out = out + self.spread * self.cf * (cf - self.cf_mean) / self.cf_std
        return out

    def as_dict(self) -> dict[str, float]:
        return {"feature_model": self.alpha, "rp3": self.rp3, "popularity_penalty": self.popularity,
                "als": self.cf, "als_factors": self.cf_factors}


def _columns_of(signals: Sequence[str]) -> np.ndarray:
    used = {f for s in signals for f in FEATURES[s]}
    return np.array([i for i, f in enumerate(FEATURE_NAMES) if f in used], dtype=np.int64)


def _held_out(data: PairingData, inner: float, year: float, firms: np.ndarray | None = None
              ) -> tuple[np.ndarray, sp.csr_matrix, sp.csr_matrix]:
    """Firms existing by ``inner`` that gained partners (existing by ``inner``) in (inner, year]; known and new."""
    links = data.links("University")
    n_e, n_u = data.count("Enterprise"), data.count("University")
    firm_ok, uni_ok = data.exists_by("Enterprise", inner), data.exists_by("University", inner)
    known = data.matrix(links, "e", "t", (n_e, n_u), until=inner)
    y, e, t = links["year"].to_numpy(), links["e"].to_numpy(), links["t"].to_numpy()
    later = ~np.isnan(y) & (y > inner) & (y <= year) & uni_ok[t] & firm_ok[e]
    new = sp.csr_matrix((np.ones(int(later.sum())), (e[later], t[later])), shape=(n_e, n_u))
    new.data[:] = 1.0
    new = sp.csr_matrix(new - new.multiply(known))
    new.eliminate_zeros()
    if firms is None:
        firms = np.flatnonzero(np.asarray(new.sum(axis=1)).ravel() > 0)
    return firms, sp.csr_matrix(known[firms]), sp.csr_matrix(new[firms])


def _objective(scores: np.ndarray, candidates: np.ndarray, relevant: np.ndarray, k: int = 10,
               per_firm: list[np.ndarray] | None = None) -> dict[str, float]:
    """Validation accuracy: P@k, MRR and their objective nDCG@k (each firm's nDCG@k appended to ``per_firm``)."""
    from analysis.pairing.evaluation import ranking_metrics  # evaluation imports this module

    metrics = ranking_metrics(scores, candidates, relevant, k, per_firm=per_firm is not None)
    if per_firm is not None:
        per_firm.append(metrics["ndcg_per_firm"])
    return {"p_at_k": metrics["p_at_k"], "mrr": metrics["mrr"], "objective": metrics["ndcg"]}


def _surely_better(gain: np.ndarray, z: float = 1.645) -> bool:
    """Whether per-firm gains are positive beyond noise: mean gain above ``z`` standard errors (one-sided 95 %)."""
    if len(gain) < 2:
        return False
    return bool(gain.mean() > z * gain.std(ddof=1) / math.sqrt(len(gain)))


#: The blends the inner validation tries first: feature-model weight, RP³ weight, no popularity penalty (the
#: penalties of :data:`_PENALTIES` are then tried on the most accurate of them).
_BLENDS: tuple[tuple[float, float, float], ...] = tuple(
    (alpha, rp3, 0.0)
    for alpha in (1.0, 0.0)
    for rp3 in (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    if alpha or rp3 == 1.0  # RP³ alone ranks the same at any weight
)


#: ALS factors and weights the inner validation tries on top of the best feature-model / RP³ blend.
_CF_FACTORS: tuple[int, ...] = (4, 8, 16)
_CF_WEIGHTS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5)
#: Popularity penalties tried on top of the most accurate blend (the diversity step).
_PENALTIES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)


def _choose_blend(logits: np.ndarray, grid: np.ndarray, candidates: np.ndarray, relevant: np.ndarray,
                  cf: dict[int, np.ndarray] | None = None, tolerance: float = 0.0
                  ) -> tuple[_Blend, list[dict[str, float]]]:
    """The blend chosen on the held-out year (see :meth:`PairingRecommender._inner_validation`).

    Three steps: (1) accuracy — the best feature-model / RP³ weights (every :data:`_BLENDS` row is scored and
    reported; the best without a penalty is taken); (2) the ALS term (``cf``: factors → raw held-out scores) at
    the weights of :data:`_CF_WEIGHTS`, kept only if its best raises nDCG@10 beyond noise (a one-sided paired
    test over the held-out firms: mean gain above 1.645 standard errors); (3) diversity — the largest popularity
    penalty whose nDCG@10 stays within ``tolerance`` (a share) of the best.
    """
    rp3 = np.log(grid[..., _RA] + 1e-6)[candidates]
    pop = grid[..., _POP][candidates]
    spread = float(np.std(logits[candidates])) or 1.0
    stats = {"spread": spread, "rp3_mean": float(rp3.mean()), "rp3_std": float(rp3.std()) or 1.0,
             "pop_mean": float(pop.mean()), "pop_std": float(pop.std()) or 1.0}
    # the z-scores once; each blend is then a weighted sum (what _Blend.apply computes)
    z_rp3 = (np.log(grid[..., _RA] + 1e-6) - stats["rp3_mean"]) / stats["rp3_std"]
    z_pop = (grid[..., _POP] - stats["pop_mean"]) / stats["pop_std"]
    z_cf, z_cf_stats = {}, {}
    for factors, raw in (cf or {}).items():
        values = raw[candidates]
        z_cf_stats[factors] = (float(values.mean()), float(values.std()) or 1.0)
        z_cf[factors] = (raw - z_cf_stats[factors][0]) / z_cf_stats[factors][1]
    rows: list[dict[str, float]] = []

    per_firm: list[np.ndarray] = []

    def trial(alpha: float, w: float, lam: float, factors: int = 0, c: float = 0.0) -> dict[str, float]:
        score = alpha * logits + spread * (w * z_rp3 - lam * z_pop)
        if c:
            score = score + spread * c * z_cf[factors]
        row = {"feature_model": alpha, "rp3": w, "popularity_penalty": lam, "als": c, "als_factors": factors,
               **{key: round(value, 4) for key, value in _objective(score, candidates, relevant,
                                                                    per_firm=per_firm).items()}}
        row["index"] = len(rows)
        rows.append(row)
        return row

    for alpha, w, lam in _BLENDS:
        trial(alpha, w, lam)
    best = max((r for r in rows if r["popularity_penalty"] == 0.0), key=lambda r: r["objective"])
    base = per_firm[int(best["index"])]
    challenger = best
    for factors in z_cf:
        for c in _CF_WEIGHTS:
            row = trial(best["feature_model"], best["rp3"], 0.0, factors, c)
            if row["objective"] > challenger["objective"]:
                challenger = row
    # the ALS term must beat the blend without it beyond the noise of the held-out firms (paired, per firm)
    if challenger is not best and _surely_better(per_firm[int(challenger["index"])] - base):
        best = challenger
    for lam in _PENALTIES:
        trial(best["feature_model"], best["rp3"], lam, int(best["als_factors"]), best["als"])
    same = ("feature_model", "rp3", "als", "als_factors")
    floor = best["objective"] * (1.0 - tolerance) - 1e-9
    eligible = [r for r in rows if all(r[key] == best[key] for key in same) and r["objective"] >= floor]
    chosen = max(eligible, key=lambda r: (r["popularity_penalty"], r["objective"]))
    for row in rows:
        del row["index"]
    factors = int(chosen["als_factors"])
    blend = _Blend(chosen["feature_model"], chosen["rp3"], chosen["popularity_penalty"], **stats,
                   cf=chosen["als"], cf_factors=factors, cf_mean=z_cf_stats.get(factors, (0.0, 1.0))[0],
                   cf_std=z_cf_stats.get(factors, (0.0, 1.0))[1])
    return blend, rows


def _cf_factors(data: PairingData, until: float, factors: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Firm and partner factors of ``implicit`` ALS on the TF-IDF weighted firm × university matrix up to ``until``."""
    import warnings

    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings():  # implicit imports tqdm.auto, which warns in a notebook without ipywidgets;
        warnings.filterwarnings("ignore", message="IProgress not found")  # no progress bar is shown here
        from implicit.als import AlternatingLeastSquares
        from implicit.nearest_neighbours import tfidf_weight

    shape = (data.count("Enterprise"), data.count("University"))
    known = data.matrix(data.links("University"), "e", "t", shape, until=until)
    weighted = sp.csr_matrix(tfidf_weight(known), dtype=np.float32)
    with threadpool_limits(1, "blas"):  # implicit asks for one BLAS thread (nested BLAS threads only slow it)
        model = AlternatingLeastSquares(factors=factors, regularization=1.0, iterations=15, random_state=seed,
                                        num_threads=1, use_gpu=False)
        model.fit(weighted, show_progress=False)
    return np.asarray(model.user_factors, dtype=np.float64), np.asarray(model.item_factors, dtype=np.float64)


def _cf_stats(cf: tuple[np.ndarray, np.ndarray], firm_ok: np.ndarray, target_ok: np.ndarray, known: sp.csr_matrix,
              rng: np.random.Generator, sample: int = 1024) -> tuple[float, float]:
    """Mean and standard deviation of the ALS scores of new pairs (a seeded sample of firms × existing partners)."""
    firms = np.flatnonzero(firm_ok)
    if len(firms) > sample:
        firms = np.sort(rng.choice(firms, size=sample, replace=False))
    users, items = cf
    values = (users[firms] @ items.T)[target_ok[None, :] & ~(known[firms].toarray() > 0)]
    if len(values) == 0:
        return 0.0, 1.0
    return float(values.mean()), float(values.std()) or 1.0


@dataclass
class _Linear:
    """A fitted standardised logistic regression as plain arrays (same numbers, no sklearn overhead)."""

    columns: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def decision(self, features: np.ndarray) -> np.ndarray:
        """Logits of rows of ``features`` (all feature columns), as the pipeline computes them."""
        scaled = features[:, self.columns]
        scaled -= self.mean
        scaled /= self.scale
        return scaled @ self.coef + self.intercept

    def weights(self) -> tuple[dict[str, float], float]:
        """The model as ``bias + Σ w[f] × feature f`` on unscaled features: (feature name → w, bias)."""
        w = self.coef / self.scale
        bias = self.intercept - float(np.dot(self.mean, w))
        return {FEATURE_NAMES[c]: float(v) for c, v in zip(self.columns, w, strict=True)}, bias

    def contributions(self, features: np.ndarray, reference: np.ndarray, signals: Sequence[str]) -> np.ndarray:
        """Per signal and row: logit minus the logit with that signal's features at ``reference``."""
        weights = np.zeros(len(FEATURE_NAMES))
        weights[self.columns] = self.coef / self.scale
        by_signal = np.zeros((len(FEATURE_NAMES), len(signals)))  # feature → its signal's column, weighted
        for i, signal in enumerate(signals):
            by_signal[_SIGNAL_COLUMNS[signal], i] = weights[_SIGNAL_COLUMNS[signal]]
        # one matrix product in the features' own precision (no float64 copy of a large grid)
        values = (features @ by_signal.astype(features.dtype)).astype(np.float64)
        return (values - reference.astype(np.float64) @ by_signal).T


def _linear(model: Pipeline, columns: np.ndarray) -> _Linear | None:
    """The arrays of a StandardScaler + LogisticRegression pipeline; None for other models."""
    steps = [step for _, step in model.steps]
    if len(steps) != 2 or not isinstance(steps[0], StandardScaler) or not isinstance(steps[1], LogisticRegression):
        return None
    scaler, logistic = steps
    return _Linear(columns, scaler.mean_, scaler.scale_, logistic.coef_[0].astype(np.float64),
                   float(logistic.intercept_[0]))


def _str(column: list[Any] | None, position: int) -> str | None:
    if column is None:
        return None
    value = column[position]
    return value if isinstance(value, str) else None

