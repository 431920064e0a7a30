"""Whom should firm X meet?  Industry–academia pairing with reasons (产学研对接推荐).

:class:`PairingRecommender` ranks universities / institutes (or experts) for an
enterprise, and enterprises for a university.  It combines six signals, each a
small group of pair features computed with sparse matrix products over the
graph as it stood at a cut-off year:

========== ==========================================================================
signal     features
========== ==========================================================================
content    TF-IDF cosine of keywords / industry / field (Chinese by character
           bigrams plus whole phrases); cosine to the profile of the partner's past
           partner firms; share of the partner's firms in this firm's industry
graph      three-path counts and resource allocation over firm → partner → firm →
           partner; talents tying the pair; co-project firms that work with it
location   same town / park, same city (or county), same province
popularity partner's number of partner firms, recent partners, size; firm's partners
tier       the firm's tier, the mean tier of the partner's firms, the gap
meetings   earlier MET at events and their outcomes (signed / follow-up / none)
========== ==========================================================================

The weights are learned by a scikit-learn classifier on historical links with
negative sampling: for snapshot years ``s`` before the cut-off, the features come
from the graph up to ``s`` and the positives are the links first made after
``s`` (up to the cut-off), exactly the task the evaluation poses.

A *partner link* of an enterprise and a university is a COLLABORATES_WITH
relationship or a project both take part in (PARTICIPATES_IN); its year is the
first year seen.  Enterprise–talent links are EMPLOYS, AFFILIATED_WITH,
SECONDED_TO and MET with outcome ``signed``.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("e1", kind="Enterprise", name="甲", keywords=["膜材料"])
>>> g.add_node("u1", kind="University", name="江南大学", keywords=["膜材料", "水处理"])
>>> g.add_node("u2", kind="University", name="某大学", keywords=["软件"])
>>> from analysis.pairing import partner_links
>>> links = partner_links(g)
>>> len(links)
0
"""

from analysis.pairing.data import TARGET_KINDS, InsufficientDataError, PairingData, partner_links, resolve_entity
from analysis.pairing.evaluation import (
    BASELINES,
    DIVERSITY,
    ablation_table,
    baseline_scores,
    diversity_metrics,
    evaluate_pairing,
    evaluation_split,
    ranking_metrics,
)
from analysis.pairing.features import FEATURE_NAMES, FEATURES, SIGNALS
from analysis.pairing.model import PairingRecommender
from analysis.pairing.schedule import (
    AGENDA_COLUMNS,
    AGENDA_ZH,
    SCHEDULE_COLUMNS,
    SCHEDULE_ZH,
    event_attendees,
    event_hit_rates,
    event_hit_rates_from_frame,
    event_start,
    schedule_meetings,
    signed_pairs,
)

__all__ = [
    "AGENDA_COLUMNS",
    "AGENDA_ZH",
    "BASELINES",
    "DIVERSITY",
    "FEATURES",
    "FEATURE_NAMES",
    "SCHEDULE_COLUMNS",
    "SCHEDULE_ZH",
    "SIGNALS",
    "TARGET_KINDS",
    "InsufficientDataError",
    "PairingData",
    "PairingRecommender",
    "ablation_table",
    "baseline_scores",
    "diversity_metrics",
    "evaluate_pairing",
    "evaluation_split",
    "event_attendees",
    "event_hit_rates",
    "event_hit_rates_from_frame",
    "event_start",
    "partner_links",
    "ranking_metrics",
    "resolve_entity",
    "schedule_meetings",
    "signed_pairs",
]
