"""Tests for analysis.pairing on tiny graphs where the right answer is known."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analysis.pairing import (
    FEATURE_NAMES,
    FEATURES,
    SIGNALS,
    InsufficientDataError,
    PairingData,
    PairingRecommender,
    partner_links,
)
from graph import SQLiteStore
from graph.errors import NotFittedError, NotFoundError, SchemaError

TOPICS = [["膜材料", "水处理"], ["电线电缆", "高压输电"], ["紫砂陶瓷", "釉料"], ["锂电池", "新能源"]]


def small_world(seed: int = 0, n_firms: int = 120, n_unis: int = 12, *, fame: float = 0.0, topic_weight: float = 20.0,
                first_year: int = 2012, share_per_year: int = 4) -> nx.MultiDiGraph:
    """Firms link to universities of their own topic (mostly), one new link a year for a quarter of the firms.

    ``fame``: Zipf exponent of the universities' popularity (0: none; 1.2 puts a few famous ones in most lists);
    ``topic_weight``: how much more often a firm picks a university of its topic; ``share_per_year``: 1 / the share
    of the firms that gain a link each year from ``first_year`` to 2022.
    """
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    firm_topic = np.arange(n_firms) % len(TOPICS)
    uni_topic = np.arange(n_unis) % len(TOPICS)
    for i in range(n_firms):
        g.add_node(f"e{i:03d}", kind="Enterprise", name=f"企业{i}", keywords=[TOPICS[firm_topic[i]][0]],
                   town="丁蜀镇" if i % 2 else "环科园", city="宜兴", province="江苏", founded="2010-01-01")
    for j in range(n_unis):
        g.add_node(f"u{j:02d}", kind="University", name=f"大学{j}", keywords=TOPICS[uni_topic[j]],
                   city="无锡" if j % 3 == 0 else "南京", province="江苏", category="高校" if j % 2 else "科研院所")
    linked = np.zeros((n_firms, n_unis), bool)
    popularity = 1.0 / (1.0 + np.arange(n_unis)) ** fame
    for year in range(first_year, 2023):
        for i in rng.choice(n_firms, n_firms // share_per_year, replace=False):
            weights = popularity * np.where(uni_topic == firm_topic[i], topic_weight, 1.0) * np.where(linked[i], 0.0, 1.0)
            if weights.sum() == 0:
                continue
            j = rng.choice(n_unis, p=weights / weights.sum())
            linked[i, j] = True
            g.add_edge(f"e{i:03d}", f"u{j:02d}", type="COLLABORATES_WITH", year=year)
    return g


@pytest.fixture(scope="module")
def world() -> nx.MultiDiGraph:
    return small_world()


@pytest.fixture(scope="module")
def fitted(world: nx.MultiDiGraph) -> PairingRecommender:
    return PairingRecommender().fit(world, until_year=2020)


def test_not_fitted_and_unknown_id(fitted: PairingRecommender) -> None:
    with pytest.raises(NotFittedError, match="fit"):
        PairingRecommender().recommend("e001")
    with pytest.raises(NotFoundError, match="nope"):
        fitted.recommend("nope")
    with pytest.raises(SchemaError, match="signals"):
        PairingRecommender(signals=["magic"]).fit(small_world(n_firms=20))


def test_init_only_stores_parameters() -> None:
    rec = PairingRecommender(model="gbm", negatives=5)
    assert vars(rec) == {"signals": None, "model": "gbm", "negatives": 5, "snapshots": 3, "min_positives": 20,
                         "random_state": 0, "validate": True, "validation_firms": 1500,
                         "diversity_tolerance": 0.02, "coverage_target": 0.2, "coverage_tolerance": 0.10,
                         "max_share": None}
    assert not hasattr(rec, "models_")


def test_fit_sets_attributes(fitted: PairingRecommender) -> None:
    assert fitted.year_ == 2020
    assert set(fitted.models_) == {"University"}
    training = fitted.training_
    assert list(training["snapshot"]) == [2019, 2018, 2017]
    assert (training["positives"] > 0).all()


def test_recommends_same_topic_universities_with_reasons(world: nx.MultiDiGraph, fitted: PairingRecommender) -> None:
    recs = fitted.recommend("e000", k=3)
    assert list(recs.columns[:8]) == ["rank", "id", "name", "kind", "score", "match_index", "explanation", "reasons"]
    assert recs["explanation"].str.startswith("匹配指数").all() and (recs["match_index"].between(0, 100)).all()
    assert list(recs["rank"]) == [1, 2, 3]
    # e000 works on 膜材料: universities 0, 4, 8 share that topic; those it had no link with by 2020 come first
    partners = {t for _, t, d in world.out_edges("e000", data=True) if d["year"] <= 2020}
    same_topic = {"u00", "u04", "u08"} - partners
    assert same_topic and set(recs["id"][: len(same_topic)]) == same_topic
    top = recs.iloc[0]
    assert top["id"] in {"u00", "u04", "u08"}
    assert "膜材料" in top["explanation"] and "Why:" in top["explanation"]
    signals = {r["signal"] for r in top["reasons"]}
    assert signals == set(fitted.signals_) and "content" in signals  # the signals the inner validation kept
    content = next(r for r in top["reasons"] if r["signal"] == "content")
    assert "膜材料" in content["evidence"] and content["contribution"] > 0
    assert (recs["score"].diff().dropna() <= 0).all()


def test_existing_partners_excluded_unless_asked(world: nx.MultiDiGraph, fitted: PairingRecommender) -> None:
    partners = {t for _, t, d in world.out_edges("e000", data=True) if d["year"] <= 2020}
    assert partners, "the fixture should give e000 partners by 2020"
    recs = fitted.recommend("e000", k=12)
    assert not set(recs["id"]) & partners
    everything = fitted.recommend("e000", k=12, include_existing=True)
    assert partners <= set(everything["id"])
    assert set(everything.loc[everything["existing"], "id"]) == partners


def test_later_links_are_not_known_at_the_cutoff(world: nx.MultiDiGraph, fitted: PairingRecommender) -> None:
    later = {(s, t) for s, t, d in world.edges(data=True) if d["year"] > 2020}
    firm, uni = min(later)
    assert uni not in set(fitted.recommend(firm, k=12, include_existing=True).query("existing")["id"])


def test_filters(fitted: PairingRecommender) -> None:
    recs = fitted.recommend("e001", k=5, category="科研院所")
    assert len(recs) and set(recs["category"]) == {"科研院所"}
    assert fitted.recommend("e001", k=5, min_score=1.01).empty
    assert fitted.recommend("e001", k=50).shape[0] <= 12


def test_university_to_enterprises(fitted: PairingRecommender) -> None:
    recs = fitted.recommend("u01", k=5)
    assert set(recs["kind"]) == {"Enterprise"}
    # university 1 works on 电线电缆: firms 1, 5, 9 ... share it
    assert all(int(i[1:]) % 4 == 1 for i in recs["id"])
    with pytest.raises(SchemaError, match="Enterprise"):
        fitted.recommend("u01", kind="Talent")


def test_talent_recommendations_borrow_university_weights() -> None:
    g = small_world(n_firms=60)
    for j, (topic, uni) in enumerate([("膜材料", "u00"), ("电线电缆", "u01")]):
        g.add_node(f"t{j}", kind="Talent", name=f"专家{j}", keywords=[topic])
        g.add_edge(f"t{j}", uni, type="AFFILIATED_WITH")
    rec = PairingRecommender().fit(g, until_year=2020)
    assert rec.models_["Talent"] is rec.models_["University"]
    recs = rec.recommend("e000", k=1, kind="Talent")
    assert recs["id"].tolist() == ["t0"]
    assert "专家0" in recs["name"].tolist()


def test_talent_bridge_and_meeting_evidence() -> None:
    g = small_world(n_firms=60)
    g.add_node("t9", kind="Talent", name="王工")
    g.add_edge("e000", "t9", type="EMPLOYS", year=2015)
    g.add_edge("t9", "u08", type="AFFILIATED_WITH", year=2015)
    g.add_node("ev1", kind="Event", name="2019产学研对接会", year=2019)
    g.add_edge("e000", "u08", type="MET", year=2019, event="ev1", outcome="follow-up")
    rec = PairingRecommender(validate=False).fit(g, until_year=2020)  # every signal, to see its evidence
    recs = rec.recommend("e000", k=12, include_existing=True)
    row = recs.set_index("id").loc["u08"]
    by_signal = {r["signal"]: r for r in row["reasons"]}
    assert "王工" in by_signal["graph"]["evidence"]
    assert "2019产学研对接会" in by_signal["meetings"]["evidence_zh"] and "follow-up" in by_signal["meetings"]["evidence"]


def test_store_and_graph_give_the_same_answer(world: nx.MultiDiGraph, fitted: PairingRecommender) -> None:
    store = SQLiteStore(":memory:")
    for kind in ("Enterprise", "University"):
        store.upsert_nodes(kind, [{"id": n, **{k: v for k, v in d.items() if k != "kind"}}
                                  for n, d in world.nodes(data=True) if d["kind"] == kind])
    store.upsert_relationships("COLLABORATES_WITH", [{"source": s, "target": t, "key": str(d["year"]), "year": d["year"]}
                                                     for s, t, d in world.edges(data=True)])
    from_store = PairingRecommender().fit(store, until_year=2020).recommend("e002", k=5)
    assert from_store["id"].tolist() == fitted.recommend("e002", k=5)["id"].tolist()


def test_signals_switch_features(world: nx.MultiDiGraph) -> None:
    data = PairingData.load(world)
    only_content = PairingRecommender(signals=["content"]).fit(data, until_year=2020)
    assert len(only_content.columns_) == len(FEATURES["content"])
    partners = {t for _, t, d in world.out_edges("e003", data=True) if d["year"] <= 2020}
    same_topic = {"u03", "u07", "u11"} - partners  # topic 3 universities
    recs = only_content.recommend("e003", k=len(same_topic))
    assert set(recs["id"]) == same_topic


def test_no_history_is_an_error() -> None:
    g = nx.MultiDiGraph()
    g.add_node("e1", kind="Enterprise", name="甲")
    g.add_node("u1", kind="University", name="乙")
    g.add_edge("e1", "u1", type="COLLABORATES_WITH")
    with pytest.raises(InsufficientDataError, match="year"):
        PairingRecommender().fit(g)


def test_partner_links_from_projects_and_collaborations() -> None:
    g = nx.MultiDiGraph()
    for node, kind in [("e1", "Enterprise"), ("u1", "University"), ("u2", "University"), ("p1", "Project")]:
        g.add_node(node, kind=kind, name=node)
    g.nodes["p1"]["year"] = 2018
    g.add_edge("e1", "p1", type="PARTICIPATES_IN")
    g.add_edge("u1", "p1", type="PARTICIPATES_IN")
    g.add_edge("e1", "u1", type="COLLABORATES_WITH", year=2020)
    g.add_edge("e1", "u2", type="COLLABORATES_WITH", year=2021)
    links = partner_links(g)
    assert links.to_dict(orient="records") == [
        {"enterprise_id": "e1", "partner_id": "u1", "year": 2018},
        {"enterprise_id": "e1", "partner_id": "u2", "year": 2021},
    ]


def test_fast_scores_and_contributions_match_the_sklearn_pipeline(fitted: PairingRecommender) -> None:
    """recommend() scores with the pipeline's arrays; they must equal decision_function and occlusion."""
    recs = fitted.recommend("e005", k=12, include_existing=True)
    snap, model = fitted.snapshots_["University"], fitted.models_["University"]
    firm = int(fitted.data_.local[fitted.data_.pos["e005"]])
    grid = snap.firm_row(firm)
    expected = model.decision_function(grid[:, fitted.columns_])
    assert np.allclose(fitted.linear_["University"].decision(grid), expected, atol=1e-9)
    local = {i: n for n, i in enumerate(fitted.data_.ids[fitted.data_.members("University")])}
    rows = [local[i] for i in recs["id"]]
    cf = None if fitted.cf_ is None else fitted.cf_[1] @ fitted.cf_[0][firm]  # the ALS term, when chosen
    blended = fitted.blend_["University"].apply(expected, grid, cf)  # the inner validation's blend
    assert np.allclose(recs["score"], np.round(1 / (1 + np.exp(-blended[rows])), 4))
    reference = fitted.references_["University"]
    for row, reasons in zip(rows, recs["reasons"]):
        for reason in reasons:
            occluded = grid[[row]].copy()
            columns = [i for i, f in enumerate(FEATURE_NAMES) if f in FEATURES[reason["signal"]]]
            occluded[:, columns] = reference[columns]
            drop = expected[row] - model.decision_function(occluded[:, fitted.columns_])[0]
            assert reason["contribution"] == pytest.approx(drop, abs=2e-4)


def test_gbm_model_gives_reasons_too(world: nx.MultiDiGraph) -> None:
    rec = PairingRecommender(model="gbm").fit(world, until_year=2020)
    assert rec.linear_["University"] is None
    recs = rec.recommend("e000", k=3)
    assert len(recs) == 3 and all(len(r) == len(SIGNALS) for r in recs["reasons"])
    assert (recs["score"].diff().dropna() <= 0).all()
    reverse = rec.recommend("u01", k=3)
    assert set(reverse["kind"]) == {"Enterprise"} and reverse["explanation"].str.contains("Why:").all()


def test_reasons_people_can_forward() -> None:
    """Match index with its meaning, no jargon, the year said once, nothing that argues against, experts' 单位 / 职称."""
    g = small_world(n_firms=60)
    g.add_node("t9", kind="Talent", name="王工", title="教授")
    g.add_edge("t9", "u08", type="AFFILIATED_WITH", year=2015)
    g.add_node("ev1", kind="Event", name="2019年产学研对接会", year=2019)
    g.add_edge("e000", "u08", type="MET", year=2019, event="ev1", outcome="follow-up")
    rec = PairingRecommender(validate=False).fit(g, until_year=2020)  # every signal, to see its evidence
    recs = rec.recommend("e000", k=12, include_existing=True)
    for text, reasons, index in zip(recs["explanation"], recs["reasons"], recs["match_index"]):
        assert text.startswith(f"匹配指数{index}(优于{index}%的可能组合)")
        assert "2019年2019年" not in text and "平均梯次" not in text and "mean tier" not in text
        for reason in reasons:  # a signal that lowers the score is never quoted
            if reason["contribution"] <= 0 and reason["evidence_zh"]:
                assert reason["evidence_zh"] not in text
    meeting = next(r for r in recs.set_index("id").loc["u08", "reasons"] if r["signal"] == "meetings")
    assert meeting["evidence_zh"].count("2019") == 1
    assert not recs["explanation"].str.contains("未达成|outcome: none").any()  # a meeting that led nowhere
    experts = rec.recommend("e000", k=3, kind="Talent")
    row = experts.set_index("id").loc["t9"]
    assert row["affiliation"] == "大学8" and row["title"] == "教授"
    assert "专家王工(大学8·教授)" in row["explanation"]


def test_location_from_country_columns_and_uscc() -> None:
    from analysis.pairing.data import PairingData
    from analysis.pairing.features import FEATURE_NAMES, _Snapshot, _Static
    from graph.uscc import with_check_digit
    from ingest.fields import field_for_header

    assert field_for_header("国家", "organisations") == "country"
    assert field_for_header("country", "organisations") == "country"
    g = nx.MultiDiGraph()
    g.add_node("PIC1", kind="Enterprise", name="UK firm", country="UK")
    g.add_node(with_check_digit("91320282MA1XXXXX0"), kind="Enterprise", name="宜兴甲")  # USCC only
    g.add_node("u-uk", kind="University", name="UK uni", country="UK", city="Leeds")
    g.add_node("u-js", kind="University", name="江南大学", province="江苏省", city="无锡市")
    g.add_node("u-de", kind="University", name="DE uni", country="DE", city="Leeds")
    data = PairingData.load(g)
    snap = _Snapshot(_Static(data, "University"), 2020)
    grid = snap.grid(np.arange(2))
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    unis = {str(u): i for i, u in enumerate(data.ids[data.members("University")])}
    firms = {str(f): i for i, f in enumerate(data.ids[data.members("Enterprise")])}
    uk, yixing = firms["PIC1"], firms[with_check_digit("91320282MA1XXXXX0")]
    assert grid[uk, unis["u-uk"], column["same_country"]] == 1 and grid[uk, unis["u-de"], column["same_country"]] == 0
    assert grid[uk, unis["u-js"], column["same_country"]] == 0
    # the USCC gives CN, 江苏 and 宜兴 / 无锡: same country, province and city as 江南大学
    for feature in ("same_country", "same_province", "same_city"):
        assert grid[yixing, unis["u-js"], column[feature]] == 1, feature
    assert grid[yixing, unis["u-uk"], column["same_country"]] == 0


def test_inner_validation_reports_what_it_kept(world: nx.MultiDiGraph, fitted: PairingRecommender) -> None:
    report = fitted.selection_
    assert report is not None and report["inner_year"] == fitted.year_ - 1
    assert set(report["signals"]) | set(report["dropped"]) == set(SIGNALS)
    assert tuple(report["signals"]) == fitted.signals_
    assert set(report["blend"]) == {"feature_model", "rp3", "popularity_penalty", "als", "als_factors"}
    assert len(report["candidates"]) > 10
    plain = PairingRecommender(validate=False).fit(world)
    assert plain.selection_ is None and plain.signals_ == SIGNALS


def test_recommend_all_lists_only_firms_that_exist_by_the_cutoff(world: nx.MultiDiGraph) -> None:
    g = world.copy()
    g.add_node("e-late", kind="Enterprise", name="后来者", keywords=["膜材料"], founded="2024-01-01")
    rec = PairingRecommender().fit(g, until_year=2020)
    lists = rec.recommend_all(k=3)
    assert "e-late" not in set(lists["enterprise_id"])
    assert lists.groupby("enterprise_id").size().max() <= 3 and (lists["rank"] >= 1).all()


def test_als_blend_scores_the_same_in_recommend_and_score_grid(world: nx.MultiDiGraph) -> None:
    """With an ALS term in the blend, one firm's list and the batch grid give the same scores."""
    from analysis.pairing.model import _cf_factors, _cf_stats

    rec = PairingRecommender(validate=False).fit(world, until_year=2020)
    blend = rec.blend_["University"]
    blend.cf, blend.cf_factors = 0.5, 4
    rec.cf_ = _cf_factors(rec.data_, rec.year_, 4, 0)
    blend.cf_mean, blend.cf_std = _cf_stats(rec.cf_, rec.exists_["Enterprise"], rec.exists_["University"],
                                            rec.snapshots_["University"].A, np.random.default_rng(0))
    firm = int(rec.data_.local[rec.data_.pos["e005"]])
    recs = rec.recommend("e005", k=5)
    grid = rec.score_grid(np.array([firm]), probability=True)[0]
    local = {i: n for n, i in enumerate(rec.data_.ids[rec.data_.members("University")])}
    assert np.allclose(recs["score"], np.round(grid[[local[i] for i in recs["id"]]], 4))
    assert rec.cf_[0].shape[1] == 4 and np.isfinite(rec.cf_[0]).all()


def test_choose_blend_takes_the_largest_penalty_within_the_tolerance() -> None:
    """The diversity step: a popularity penalty is kept while nDCG@10 stays within the tolerance of the best."""
    from analysis.pairing.features import FEATURE_NAMES
    from analysis.pairing.model import _POP, _RA, _choose_blend

    rng = np.random.default_rng(0)
    firms, items = 60, 40
    relevant = rng.random((firms, items)) < 0.05
    popularity = np.log1p(rng.integers(1, 50, size=items)).astype(float)
    logits = relevant * 1.0 + 0.3 * popularity[None, :] + rng.normal(0, 0.5, (firms, items))
    grid = np.zeros((firms, items, len(FEATURE_NAMES)))
    grid[..., _RA] = rng.random((firms, items))
    grid[..., _POP] = popularity[None, :]
    candidates = np.ones((firms, items), dtype=bool)
    strict, rows = _choose_blend(logits, grid, candidates, relevant, tolerance=0.0)
    loose, _ = _choose_blend(logits, grid, candidates, relevant, tolerance=0.5)
    assert loose.popularity >= strict.popularity
    best = max(r["objective"] for r in rows if r["popularity_penalty"] == 0)
    chosen = [r for r in rows if (r["feature_model"], r["rp3"], r["popularity_penalty"]) ==
              (loose.alpha, loose.rp3, loose.popularity) and r["als"] == 0]
    assert chosen and chosen[0]["objective"] >= 0.5 * best - 1e-9
    assert strict.cf == 0.0 and loose.cf == 0.0  # no ALS candidates given


def test_batch_scores_without_the_feature_grid_equal_the_grid_scores(world: nx.MultiDiGraph) -> None:
    """score_grid for all targets sums the linear model feature by feature (no (firms, targets, features) array);
    it must give the logits of the pipeline over the feature grid, blend included."""
    rec = PairingRecommender().fit(world, until_year=2020)
    snap = rec.snapshots_["University"]
    snap.__dict__.pop("_cache", None)  # the large-data path: no kept grid
    firms = np.flatnonzero(rec.exists_["Enterprise"])[:25]
    all_targets = np.arange(snap.static.n_targets)
    fast = rec.score_grid(firms)
    grid = snap.grid(firms)
    expected = rec.models_["University"].decision_function(
        grid.reshape(-1, grid.shape[-1])[:, rec.columns_]).reshape(grid.shape[:2])
    cf = None if rec.cf_ is None else rec.cf_[0][firms] @ rec.cf_[1].T
    assert np.allclose(fast, rec.blend_["University"].apply(expected, grid, cf), atol=1e-5)
    assert np.allclose(fast, rec.score_grid(firms, target_positions=all_targets), atol=1e-5)
