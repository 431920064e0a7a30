"""Tests for analysis.pairing.evaluation: metrics by hand, the split, the baselines, one full run."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analysis.pairing import (
    PairingData,
    ablation_table,
    baseline_scores,
    diversity_metrics,
    evaluate_pairing,
    evaluation_split,
    ranking_metrics,
)
from graph.errors import SchemaError


def test_ranking_metrics_by_hand() -> None:
    scores = np.array([[0.9, 0.8, 0.7, 0.1], [0.0, 0.0, 0.0, 0.0]])
    candidates = np.array([[True, True, True, True], [True, False, True, True]])
    relevant = np.array([[False, True, False, True], [False, False, False, True]])
    m = ranking_metrics(scores, candidates, relevant, k=2)
    # row 1: ranking 0,1 | hits at rank 2 → P=1/2, R=1/2, RR=1/2, nDCG = (1/log2 3)/(1 + 1/log2 3)
    # row 2: ties keep column order, column 1 is not a candidate: 0,2,3 → first hit at rank 3
    assert m["p_at_k"] == pytest.approx((0.5 + 0.0) / 2)
    assert m["r_at_k"] == pytest.approx((0.5 + 0.0) / 2)
    assert m["mrr"] == pytest.approx((0.5 + 1 / 3) / 2)
    ndcg_row1 = (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    assert m["ndcg"] == pytest.approx(ndcg_row1 / 2)
    assert m["firms"] == 2
    with pytest.raises(SchemaError, match="k must"):
        ranking_metrics(scores, candidates, relevant, k=0)


def tiny() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for node, kind, founded in [("f1", "Enterprise", "2010"), ("f2", "Enterprise", "2010"), ("f3", "Enterprise", "2021"),
                                ("f4", "Enterprise", "2010"), ("u1", "University", "1950"),
                                ("u2", "University", "1950"), ("u3", "University", "2021"),
                                ("u4", "University", "1950")]:
        g.add_node(node, kind=kind, name=node, founded=f"{founded}-01-01")
    for s, t, y in [("f1", "u1", 2018), ("f1", "u2", 2021), ("f2", "u3", 2022), ("f3", "u1", 2022),
                    ("f4", "u1", 2019), ("f4", "u4", 2019), ("f2", "u1", 2017), ("f4", "u4", 2022)]:
        g.add_edge(s, t, type="COLLABORATES_WITH", year=y)
    return g


def test_split_follows_the_protocol() -> None:
    data = PairingData.load(tiny())
    firms, known, new, candidate_ok = evaluation_split(data, 2020)
    # f1 gains u2 (existing) → test; f2 gains only u3 (founded 2021) → no; f3 founded 2021 → no;
    # f4 re-links u4, which it already had → no
    assert data.ids[data.members("Enterprise")[firms]].tolist() == ["f1"]
    assert new.toarray().tolist() == [[0, 1, 0, 0]]
    assert known.toarray().tolist() == [[1, 0, 0, 0]]
    assert candidate_ok.tolist() == [True, True, False, True]


def test_baselines_by_hand() -> None:
    data = PairingData.load(tiny())
    firms = np.arange(4)
    scores = baseline_scores(data, 2020, firms)
    # by 2020: f1-u1, f2-u1, f4-u1, f4-u4 → degrees u1 3, u4 1
    assert scores["popularity"][0].tolist() == [3, 0, 0, 1]
    # paths f1 → u1 → {f1,f2,f4} → u: to u1 3, to u4 1 (via f4)
    assert scores["three_path"][0].tolist() == [3, 0, 0, 1]
    assert not scores["content"].any()  # no keywords anywhere: content scores zero
    # ties in three-path broken by popularity: u1 (3 paths, degree 3) before u4; zero-path u2, u3 stay tied
    tie_broken = scores["three_path_popularity"][0]
    assert tie_broken[0] > tie_broken[3] > tie_broken[1] == tie_broken[2]
    assert np.array_equal(np.floor(tie_broken), scores["three_path"][0])


def test_diversity_metrics_by_hand() -> None:
    # 3 lists over 5 items (item 4 not a candidate): item 0 in every list, items 0-2 recommended
    counts = np.array([3, 2, 1, 0, 0])
    popularity = np.array([10.0, 5.0, 1.0, 0.0, 99.0])
    ok = np.array([True, True, True, True, False])
    m = diversity_metrics(counts, 3, ok, popularity)
    assert m["coverage"] == 0.75 and m["top_share"] == 1.0 and m["top_partner"] == 0 and m["lists"] == 3
    # percentiles among the 4 candidates: item0 87.5, item1 62.5, item2 37.5 → (3*87.5 + 2*62.5 + 37.5) / 6
    assert m["popularity_percentile"] == round((3 * 87.5 + 2 * 62.5 + 37.5) / 6, 4)


def world(seed: int = 1, n_unis: int = 20) -> nx.MultiDiGraph:
    rng = np.random.default_rng(seed)
    topics = [["膜材料"], ["电线电缆"], ["紫砂陶瓷"], ["锂电池"], ["软件"]]
    g = nx.MultiDiGraph()
    n_firms = 150
    pop = rng.pareto(2.0, n_unis) + 0.5
    for i in range(n_firms):
        g.add_node(f"e{i:03d}", kind="Enterprise", name=f"企业{i}", keywords=topics[i % 5], founded="2005-01-01")
    for j in range(n_unis):
        g.add_node(f"u{j:02d}", kind="University", name=f"大学{j}", keywords=topics[j % 5], founded="1990-01-01")
    linked = np.zeros((n_firms, n_unis), bool)
    for year in range(2010, 2023):
        for i in rng.choice(n_firms, n_firms // 4, replace=False):
            w = pop * np.where(np.arange(n_unis) % 5 == i % 5, 15.0, 1.0) * ~linked[i]
            j = rng.choice(n_unis, p=w / w.sum())
            linked[i, j] = True
            g.add_edge(f"e{i:03d}", f"u{j:02d}", type="COLLABORATES_WITH", year=int(year))
    return g


def test_full_run_beats_the_baselines_where_topics_drive_links() -> None:
    result = evaluate_pairing(world(), 2019, k=5, ablation=True)
    assert set(result["baselines"]) == {"popularity", "three_path", "three_path_popularity", "content"}
    for metrics in [result["model"], *result["baselines"].values()]:
        assert set(metrics) == {"p_at_k", "r_at_k", "mrr", "ndcg", "firms", "coverage", "top_share",
                                "top_partner_id", "popularity_percentile", "lists"}
        assert all(0.0 <= metrics[m] <= 1.0 for m in ("p_at_k", "r_at_k", "mrr", "ndcg", "coverage", "top_share"))
        assert 0.0 <= metrics["popularity_percentile"] <= 100.0
        assert metrics["firms"] == result["model"]["firms"] > 20
        assert metrics["lists"] == result["lists"] == 150
    # popularity gives every firm the same list, minus its partners: the most popular partner is in most lists
    assert result["baselines"]["popularity"]["top_share"] > 0.8
    assert result["baselines"]["popularity"]["coverage"] <= result["model"]["coverage"]
    assert result["catalogue"] == 20
    best_mrr = max(m["mrr"] for m in result["baselines"].values())
    assert result["model"]["mrr"] > best_mrr
    variants = [r["variant"] for r in result["ablation"]]
    assert variants[0] == "all" and "without content" in variants and "only graph" in variants
    table = ablation_table(result)
    assert table.shape == (1 + 4 + 12, 8)


def test_sample_is_seeded_and_bounded() -> None:
    data = PairingData.load(world())
    a = evaluation_split(data, 2019, sample=10, seed=3)[0]
    b = evaluation_split(data, 2019, sample=10, seed=3)[0]
    assert len(a) == 10 and a.tolist() == b.tolist()
    assert evaluate_pairing(data, 2019, sample=10, seed=3)["model"]["firms"] == 10


def test_partial_sort_metrics_equal_the_full_sort() -> None:
    """ranking_metrics ranks with a partial sort; ties must still go in column order, as a stable full sort does."""
    import numpy as np

    from analysis.pairing.evaluation import ranking_metrics

    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(200, 60)).astype(float)  # many ties
    candidates = rng.random((200, 60)) < 0.8
    relevant = candidates & (rng.random((200, 60)) < 0.1)

    def reference(k: int) -> dict[str, float]:
        masked = np.where(candidates, scores, -np.inf)
        order = np.argsort(-masked, axis=1, kind="stable")
        hits = np.take_along_axis(relevant, order, axis=1)
        n_rel = hits.sum(axis=1)
        first = np.argmax(hits, axis=1)
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        ideal = np.cumsum(discounts)[np.minimum(n_rel, k) - 1]
        dcg = (hits[:, :k] * discounts).sum(axis=1)
        return {"p_at_k": float((hits[:, :k].sum(axis=1) / k).mean()),
                "mrr": float(np.where(n_rel > 0, 1.0 / (first + 1), 0.0).mean()),
                "ndcg": float(np.where(n_rel > 0, dcg / np.where(n_rel > 0, ideal, 1.0), 0.0).mean())}

    for k in (1, 5, 10):
        fast = ranking_metrics(scores, candidates, relevant, k)
        for key, value in reference(k).items():
            assert fast[key] == pytest.approx(value, abs=1e-12), (k, key)


def test_one_pass_over_every_firm_gives_the_test_firms_accuracy() -> None:
    """With diversity on, evaluate scores every firm once and takes the test firms' accuracy from that pass;
    it must equal the accuracy of scoring the test firms alone (diversity off), for the model and baselines."""
    data = PairingData.load(world())
    both = evaluate_pairing(data, 2019, k=5, diversity=True)
    alone = evaluate_pairing(data, 2019, k=5, diversity=False)
    assert both["model"]["firms"] == alone["model"]["firms"] > 20
    for key in ("p_at_k", "r_at_k", "mrr", "ndcg"):
        assert both["model"][key] == pytest.approx(alone["model"][key], abs=1e-12), key
        for name in both["baselines"]:
            assert both["baselines"][name][key] == pytest.approx(alone["baselines"][name][key], abs=1e-12)
    assert "coverage" in both["model"] and "coverage" not in alone["model"]


def test_groups_split_the_model_by_partners_at_the_cut_off() -> None:
    """result["groups"]: the model on firms without any partner by the cut-off and on the rest; the two groups
    partition the lists and the test firms, and their firm-weighted accuracy is the model's."""
    data = PairingData.load(world())
    result = evaluate_pairing(data, 2019, k=5)
    groups = result["groups"]
    assert set(groups) == {"no_partner", "with_partner"}
    cold, warm = groups["no_partner"], groups["with_partner"]
    assert cold["lists"] > 0 and warm["lists"] > 0
    assert cold["lists"] + warm["lists"] == result["lists"]
    assert cold["firms"] + warm["firms"] == result["model"]["firms"]
    for key in ("p_at_k", "r_at_k", "mrr", "ndcg"):
        pooled = (cold[key] * cold["firms"] + warm[key] * warm["firms"]) / result["model"]["firms"]
        assert pooled == pytest.approx(result["model"][key], abs=1e-12), key
    assert all(0.0 < m["top_share"] <= 1.0 for m in (cold, warm))
    for metrics in (cold, warm):
        assert 0.0 < metrics["coverage"] <= result["model"]["coverage"]
    # the no-partner group is the firms existing by the cut-off with no partner by then
    known = data.matrix(data.links("University"), "e", "t",
                                             (data.count("Enterprise"), data.count("University")), until=2019)
    firms = np.flatnonzero(data.exists_by("Enterprise", 2019))
    assert cold["lists"] == int((np.asarray(known[firms].sum(axis=1)).ravel() == 0).sum())


def test_diversity_tolerance_reaches_the_popularity_penalty() -> None:
    """A larger tolerance may only keep or raise the chosen popularity penalty, and it is what fit reports."""
    data = PairingData.load(world())
    strict = evaluate_pairing(data, 2019, k=5, diversity=False, diversity_tolerance=0.0)["selection"]
    loose = evaluate_pairing(data, 2019, k=5, diversity=False, diversity_tolerance=1.0)["selection"]
    assert loose["blend"]["popularity_penalty"] >= strict["blend"]["popularity_penalty"]
    # a tolerance of 100 % accepts every penalty tried on the chosen blend: the largest one
    assert loose["blend"]["popularity_penalty"] == 2.0


def test_coverage_step_takes_the_smallest_penalty_that_reaches_the_target() -> None:
    """fit measures coverage@10 on the lists it will give (no labels needed) and raises the popularity penalty
    to the smallest one that reaches ``coverage_target``; evaluate's coverage of the model agrees with it."""
    data = PairingData.load(world(n_unis=400))  # 150 firms' lists over 400 institutes: coverage well below 1
    result = evaluate_pairing(data, 2019, k=10, coverage_target=0.45, coverage_tolerance=1.0)
    report = result["selection"]["coverage"]
    by = {r["popularity_penalty"]: r["coverage"] for r in report["by_penalty"]}
    first = min(by)  # the penalty chosen within diversity_tolerance
    assert by[first] < 0.45  # so the step has to move
    expected = next(p for p in sorted(by) if by[p] >= 0.45)
    assert report["penalty"] == expected > first
    assert result["selection"]["blend"]["popularity_penalty"] == expected
    assert result["model"]["coverage"] == pytest.approx(by[expected], abs=1e-4)
    assert report["lists"] == result["lists"]
    off = evaluate_pairing(data, 2019, k=10, diversity=False, coverage_target=None)["selection"]
    assert "coverage" not in off and off["blend"]["popularity_penalty"] == first
