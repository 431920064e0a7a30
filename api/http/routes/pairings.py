"""``GET /pairings/{entity_id}``: whom should this firm (or university) meet, with reasons (matchmaker).

The :class:`analysis.pairing.PairingRecommender` is fitted once per store, on the
first request, and kept until an ingest or delete through the API; the requests
after that only score one row of candidates.
"""

from __future__ import annotations

import json
import math
from enum import Enum
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from api.http.cache import AppCache
from api.http.common import fitted_recommender, json_records, resolve_for
from api.http.deps import get_cache, get_store, matchmaker
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.store import GraphStore

__all__ = ["CandidateKind", "PairingPage", "pairing_body", "router"]

router = APIRouter(tags=["pairings"])


class CandidateKind(str, Enum):
    """What to recommend."""

    University = "University"
    Talent = "Talent"
    Enterprise = "Enterprise"


class Reason(BaseModel):
    """One signal's contribution to a candidate's score."""

    signal: str
    contribution: float
    evidence: str | None = None
    evidence_zh: str | None = None


class Pairing(BaseModel):
    """A recommended partner."""

    model_config = {"extra": "allow"}

    rank: int
    id: str
    name: str | None = None
    kind: str
    score: float = Field(description="Model probability of a link, 0–1")
    explanation: str
    reasons: list[Reason]
    existing: bool


class PairingPage(BaseModel):
    """Ranked partners for ``entity_id``."""

    entity_id: str
    as_of: int = Field(description="The cut-off year the recommender was fitted at")
    items: list[Pairing]
    total: int
    limit: int
    offset: int


@router.get(
    "/pairings/{entity_id:path}",
    response_class=Response,
    responses={200: {"model": PairingPage, "description": "Ranked partners"}, **problem_responses(404, 409)},
    summary="Recommended universities / experts for a firm, or firms for a university, with reasons",
)
def pairings(
    entity_id: Annotated[str, Path(min_length=1, max_length=300,
                                   description="The firm, university or expert: id, USCC, 学校标识码 or name "
                                               "(short names, 宜兴 for 宜兴市 and typos are forgiven)")],
    principal: Principal = Depends(matchmaker),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    k: Annotated[int, Query(ge=1, le=100, description="How many partners")] = 10,
    kind: Annotated[CandidateKind | None, Query(description="Default University for a firm, Enterprise otherwise")] = None,
    category: Annotated[str | None, Query(max_length=20, description="高校 / 科研院所")] = None,
    town: Annotated[str | None, Query(max_length=100)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    min_score: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    include_existing: Annotated[bool, Query(description="Keep partners it already works with")] = False,
) -> Response:
    """Up to ``k`` partners, best first, each with ``score``, ``explanation`` (中文 | English) and
    ``reasons`` (per signal: ``contribution`` in logit units and the evidence)."""
    entity = resolve_for(principal, store, cache, entity_id, kinds=("Enterprise", "University", "Talent"))
    recommender = fitted_recommender(store, cache)
    found = recommender.recommend(
        entity.id,
        k=k,
        kind=kind.value if kind else None,
        category=category,
        town=town,
        industry=industry,
        min_score=min_score,
        include_existing=include_existing,
    )
    return Response(content=pairing_body(entity.id, int(recommender.year_), found, k), media_type="application/json")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """``json.dumps`` fallback: numpy scalars and arrays as Python values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def pairing_body(entity_id: str, as_of: int, found: pd.DataFrame, k: int) -> bytes:
    """The JSON bytes of a :class:`PairingPage` for the recommendations ``found``.

    Serialised directly (no per-request pydantic validation: the route's hot path); missing
    values are left out of each item.  Falls back to :func:`api.http.common.json_records`
    for values plain JSON cannot carry (NaN inside ``reasons``).

    >>> frame = pd.DataFrame({"rank": [1], "id": ["u1"], "score": [np.float64(0.5)], "town": [float("nan")]})
    >>> pairing_body("e1", 2023, frame, 10)
    b'{"entity_id":"e1","as_of":2023,"items":[{"rank":1,"id":"u1","score":0.5}],"total":1,"limit":10,"offset":0}'
    """
    body = {"entity_id": entity_id, "as_of": as_of, "items": None, "total": len(found), "limit": k, "offset": 0}
    try:
        body["items"] = [{key: value for key, value in row.items() if _present(value)}
                         for row in found.to_dict(orient="records")]
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain)
    except (TypeError, ValueError):
        body["items"] = json_records(found)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain)
    return text.encode("utf-8")
