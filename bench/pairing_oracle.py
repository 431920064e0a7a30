"""How far can pair features go on the CORDIS development set?  An oracle bound for issue 14's MRR target.

Usage::

    python bench/pairing_oracle.py --data ../shared/data/cordis-h2020-dev

Reads the two CSV files directly (independently of the store and of ``analysis.pairing``), builds the protocol of
the data set's README (fit on participations up to 2016; test firms: enterprises seen by 2016 that gain a new
university / institute partner seen by 2016 on a 2017 project; every unpartnered institute seen by 2016 ranked),
computes 14 pair features as of the cut-off and trains scikit-learn's ``HistGradientBoostingClassifier`` on **half
of the test firms' own 2017 answers** — a model that knows the test year, which no fitted recommender can — then
ranks the other half.  It prints P@10 and MRR of three-path with popularity tie-break (the best baseline) and of
the oracle on that half, and of the same model trained on the 2015 → 2016 split (what a fit may use).

If the oracle stays below 1.10 × the baseline's MRR, no re-weighting of these features reaches issue 14's target.
Memory: about 3 GB (test firms × institutes × 14 features, float64); about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer


class Protocol:
    """Organisations, projects and the split at ``cut`` (test year ``cut + 1``)."""

    def __init__(self, folder: Path) -> None:
        orgs = pd.read_csv(folder / "organisations.csv", dtype=str)
        parts = pd.read_csv(folder / "participations.csv", dtype={"project_id": str, "organisation": str})
        position = {pic: i for i, pic in enumerate(orgs["id"])}
        parts["o"] = parts["organisation"].map(position)
        parts = parts.dropna(subset=["o"]).astype({"o": np.int64})
        parts["j"] = pd.factorize(parts["project_id"])[0]
        self.parts, self.n, self.n_projects = parts, len(orgs), int(parts["j"].max()) + 1
        firm = (orgs["kind"] == "enterprise").to_numpy()
        self.firms, self.insts = np.flatnonzero(firm), np.flatnonzero(~firm)
        self.country = orgs["country"].fillna("").to_numpy()
        self.research = (orgs["category"] == "research institute").to_numpy()
        words = orgs["keywords"].fillna("").str.split(";").map(lambda items: [w.strip() for w in items if w.strip()])
        self.keywords = sp.csr_matrix(TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True).fit_transform(words))

    def incidence(self, until: int, since: int = -1) -> sp.csr_matrix:
        """Organisation × project (0/1) of projects starting in (since, until]."""
        q = self.parts[(self.parts["year"] <= until) & (self.parts["year"] > since)]
        m = sp.csr_matrix((np.ones(len(q)), (q["o"], q["j"])), shape=(self.n, self.n_projects))
        m.data[:] = 1.0
        return m

    def links(self, m: sp.csr_matrix) -> sp.csr_matrix:
        """Firm × institute (0/1): a shared project in ``m``."""
        a = sp.csr_matrix(m[self.firms] @ m[self.insts].T)
        a.data[:] = 1.0
        return a

    def split(self, cut: int) -> dict:
        m = self.incidence(cut)
        seen = np.zeros(self.n, dtype=bool)
        seen[self.parts.loc[self.parts["year"] <= cut, "o"].unique()] = True
        known = self.links(m)
        later = self.links(self.incidence(cut + 1, cut)).toarray() > 0
        ok_i = seen[self.insts]
        new = later & (known.toarray() == 0) & ok_i[None, :]
        test = np.flatnonzero(seen[self.firms] & new.any(axis=1))
        candidates = (known[test].toarray() == 0) & ok_i[None, :]
        return {"cut": cut, "m": m, "known": known, "test": test, "relevant": new[test], "candidates": candidates}

    def features(self, s: dict) -> dict[str, np.ndarray]:
        """14 pair features of every test firm × institute, as of the cut-off."""
        cut, a, m, t = s["cut"], s["known"], s["m"], s["test"]
        n = len(t)
        pop = np.asarray(a.sum(axis=0)).ravel()
        before = np.asarray(self.links(self.incidence(cut - 1)).sum(axis=0)).ravel()
        last = np.asarray(self.links(self.incidence(cut, cut - 1)).sum(axis=0)).ravel()
        d_i, d_f = np.maximum(pop, 1), np.maximum(np.asarray(a.sum(axis=1)).ravel(), 1)
        co = sp.csr_matrix(m @ m.T)
        co.setdiag(0)
        co.eliminate_zeros()
        co.data[:] = 1.0
        ii = sp.csr_matrix(co[self.insts][:, self.insts])
        ff = sp.csr_matrix(co[self.firms][:, self.firms])
        codes = pd.factorize(self.country)[0]
        by_country = sp.csr_matrix((np.ones(len(self.firms)), (np.arange(len(self.firms)), codes[self.firms])))
        country_pop = (by_country.T @ a).toarray()

        def tile(v: np.ndarray) -> np.ndarray:
            return np.broadcast_to(v[None, :], (n, len(v)))

        return {
            "three_path": np.log1p((a[t] @ a.T @ a).toarray()),
            "resource_allocation": (a[t] @ sp.diags(1 / d_i) @ a.T @ sp.diags(1 / d_f) @ a).toarray(),
            "popularity": tile(np.log1p(pop)),
            "last_year": tile(np.log1p(last)),
            "new_partners": tile(np.log1p(pop - before)),
            "new_share": tile((pop - before) / d_i),
            "any_two_hop": np.log1p((co[self.firms[t]] @ co[:, self.insts]).toarray()),
            "institute_institute": np.log1p((a[t] @ ii).toarray()),
            "firm_firm": np.log1p((ff[t] @ a).toarray()),
            "same_country": (self.country[self.firms[t]][:, None] == self.country[self.insts][None, :]).astype(float),
            "country_popularity": np.log1p(country_pop[codes[self.firms[t]]]),
            "keywords": (self.keywords[self.firms[t]] @ self.keywords[self.insts].T).toarray(),
            "firm_degree": np.broadcast_to(np.log1p(np.asarray(a[t].sum(axis=1))), (n, len(self.insts))),
            "research_institute": tile(self.research[self.insts].astype(float)),
        }


def metrics(scores: np.ndarray, candidates: np.ndarray, relevant: np.ndarray, k: int = 10) -> tuple[float, float]:
    """P@k and MRR (ties counted half) over rows; non-candidates never ranked."""
    s = np.where(candidates, scores, -np.inf)
    top = np.argsort(-s, axis=1, kind="stable")[:, :k]
    precision = np.take_along_axis(relevant, top, axis=1).mean()
    best = np.where(relevant, s, -np.inf).max(axis=1)
    rank = (s > best[:, None]).sum(axis=1) + 1 + ((s == best[:, None]) & ~relevant).sum(axis=1) / 2
    return float(precision), float((1 / rank).mean())


def training_pairs(x: np.ndarray, candidates: np.ndarray, relevant: np.ndarray, rng: np.random.Generator,
                   negatives: int = 30) -> tuple[np.ndarray, np.ndarray]:
    pos = np.argwhere(candidates & relevant)
    neg = np.argwhere(candidates & ~relevant)
    neg = neg[rng.choice(len(neg), size=min(len(neg), len(pos) * negatives), replace=False)]
    pairs = np.vstack([pos, neg])
    return x[pairs[:, 0], pairs[:, 1]], np.r_[np.ones(len(pos)), np.zeros(len(neg))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/cordis-h2020-dev")
    parser.add_argument("--cutoff-year", type=int, default=2016)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    protocol = Protocol(args.data)
    split = protocol.split(args.cutoff_year)
    features = protocol.features(split)
    names = list(features)
    x = np.stack([features[name] for name in names], axis=-1)
    n = len(split["test"])
    order = rng.permutation(n)
    train, test = order[: n // 2], order[n // 2 :]
    c, r = split["candidates"], split["relevant"]
    baseline = features["three_path"] + 1e-3 * features["popularity"]
    p0, m0 = metrics(baseline[test], c[test], r[test])
    print(f"cut-off {args.cutoff_year}: {n} test firms, {len(protocol.insts)} institutes in the file; scored half: {len(test)} firms")
    print(f"three-path + popularity tie-break   P@10 {p0:.4f}  MRR {m0:.4f}")

    def score(model: HistGradientBoostingClassifier) -> tuple[float, float]:
        proba = model.predict_proba(x[test].reshape(-1, len(names)))[:, 1].reshape(len(test), -1)
        return metrics(proba, c[test], r[test])

    oracle = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=args.seed)
    oracle.fit(*training_pairs(x[train], c[train], r[train], rng))
    p1, m1 = score(oracle)
    print(f"oracle (trained on the other half's {args.cutoff_year + 1} answers)  P@10 {p1:.4f}  MRR {m1:.4f}  "
          f"({m1 / m0:.3f} x the baseline's MRR)")
    inner = protocol.split(args.cutoff_year - 1)
    inner_features = protocol.features(inner)
    xi = np.stack([inner_features[name] for name in names], axis=-1)
    honest = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=args.seed)
    honest.fit(*training_pairs(xi, inner["candidates"], inner["relevant"], rng))
    p2, m2 = score(honest)
    print(f"same model trained on {args.cutoff_year - 1} -> {args.cutoff_year}     P@10 {p2:.4f}  MRR {m2:.4f}  "
          f"({m2 / m0:.3f} x)")


if __name__ == "__main__":
    main()
