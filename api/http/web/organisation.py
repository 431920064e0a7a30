"""The organisation page (企业画像): facts, tier history, partners, projects, gap lists with reasons, indicators;
for matchmakers the recommended partners as cards with reasons and evidence, the ego map, and a one-page
Excel / PDF to send to the firm.

Viewers read the masked store (talent names starred) and see no pairings.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from analysis import ecosystem, gaps
from api.http.cache import AppCache
from api.http.common import ascii_stem, cached_table, fitted_recommender, name_index
from api.http.deps import get_cache, get_store, store_for
from api.http.web.common import PREFIX, PageRoute, kind_zh, page, require, templates
from api.http.web.session import Session
from api.render.printing import html_to_pdf
from api.render.writer import Sheet, workbook_bytes
from graph.errors import InnonetError, NotFoundError
from graph.schema import KINDS, RELATIONSHIP_TYPES
from graph.store import GraphStore

__all__ = ["GAP_LISTS", "profile", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Gap lists an organisation can be on: (cache name as the gaps API uses it, function, id column, label).
GAP_LISTS: tuple[tuple[str, Any, str, str], ...] = (
    ("isolated_innovators", gaps.isolated_innovators, "enterprise_id", "孤立创新企业 / isolated innovator"),
    ("finance_gaps", gaps.finance_gaps, "enterprise_id", "金融缺口 / finance gap"),
    ("promotion_readiness", gaps.promotion_readiness, "enterprise_id", "晋级培育 / promotion readiness"),
    ("high_constraint", gaps.high_constraint, "id", "结构洞受限 / high constraint"),
    ("lapsed_certificates", ecosystem.lapsed_certificates, "enterprise_id", "高企到期未续 / lapsed certificate"),
)

#: Facts shown first, in this order (other properties follow).
_FACT_ORDER = ("uscc", "moe_code", "category", "town", "industry", "tier", "tier_year", "city", "province", "level",
               "founded", "affiliation", "field", "title", "programs", "email", "phone", "manager", "fund_type", "size",
               "focus", "service_type", "keywords", "aliases", "revenue", "rd_spend", "employees", "st_staff",
               "patents", "invention_patents")
_HIDDEN = {"id", "kind", "name", "data_source", "created", "updated"}
_CONTEXT_TYPES = {"LOCATED_IN", "IN_INDUSTRY", "REACHED_TIER"}
_EVENT_TYPES = {"ATTENDED", "MET"}
_MAX_LISTED = 60
_PAIRINGS = 8
_OUTCOME_ZH = {"signed": "签约 signed", "follow-up": "跟进 follow-up", "none": "无 none"}
_SIGNAL_ZH = {"content": "技术相近", "graph": "网络关系", "location": "地理位置", "popularity": "合作活跃",
              "tier": "梯次匹配", "meetings": "对接记录"}


def org_url(entity_id: str) -> str:
    return f"{PREFIX}/org?id={quote(str(entity_id), safe='')}"


def _present(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return not (isinstance(value, (str, list, tuple)) and len(value) == 0)


def _label(kind: str, key: str) -> str:
    spec = KINDS[kind].properties.get(key) if kind in KINDS else None
    if spec is None:
        return key
    zh = re.split(r" / |[:：(（]", spec.description)[0].strip()
    return f"{zh}{f'（{spec.unit}）' if spec.unit else ''}"


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _facts(node: dict[str, Any]) -> list[dict[str, str]]:
    kind = node["kind"]
    keys = [k for k in _FACT_ORDER if k in node] + sorted(k for k in node if k not in _FACT_ORDER)
    return [{"key": k, "label": _label(kind, k), "value": _fmt(node[k])} for k in keys
            if k not in _HIDDEN and _present(node[k])]


def _rel_label(type_: str) -> str:
    spec = RELATIONSHIP_TYPES.get(type_)
    return f"{spec.label_zh} {type_}" if spec is not None else type_


def _partners(neighbours: pd.DataFrame) -> list[dict[str, Any]]:
    """Neighbours grouped by relationship type (context facts and events left out)."""
    groups = []
    if neighbours.empty:
        return groups
    frame = neighbours[~neighbours["type"].isin(_CONTEXT_TYPES | _EVENT_TYPES)]
    for type_, rows in frame.groupby("type", sort=True):
        items = []
        for row in rows.head(_MAX_LISTED).to_dict(orient="records"):
            year = row.get("year")
            items.append({"id": row["id"], "name": row.get("name") or row["id"], "kind": kind_zh(row.get("kind")),
                          "url": org_url(row["id"]),
                          "year": int(year) if _present(year) and isinstance(year, (int, float)) else None,
                          "direction": row.get("direction")})
        groups.append({"type": type_, "label": _rel_label(str(type_)), "members": items, "total": len(rows)})
    return groups


def _events(neighbours: pd.DataFrame, node_names: dict[str, str]) -> list[dict[str, Any]]:
    if neighbours.empty:
        return []
    met = neighbours[neighbours["type"] == "MET"]
    rows = []
    for row in met.to_dict(orient="records"):
        event = row.get("event")
        rows.append({"partner": row.get("name") or row["id"], "url": org_url(row["id"]),
                     "event": node_names.get(event, event) if isinstance(event, str) else "",
                     "outcome": _OUTCOME_ZH.get(row.get("outcome"), row.get("outcome") or "")})
    return rows


def _attended(neighbours: pd.DataFrame) -> list[dict[str, Any]]:
    if neighbours.empty:
        return []
    frame = neighbours[(neighbours["type"] == "ATTENDED") & (neighbours["kind"] == "Event")]
    return [{"name": r.get("name") or r["id"], "url": f"{PREFIX}/event?id={quote(str(r['id']), safe='')}"}
            for r in frame.to_dict(orient="records")]


def _tier_history(session: Session, store: GraphStore, cache: AppCache, entity_id: str) -> list[dict[str, Any]]:
    table = cached_table(session.principal, store, cache, "web:tier_history", ecosystem.tier_history)
    rows = table[table["enterprise_id"] == entity_id]
    return [{"tier": r["tier"], "year": int(r["year"]) if _present(r["year"]) else None,
             "valid_until": int(r["valid_until"]) if _present(r.get("valid_until")) else None,
             "level": r.get("level") if _present(r.get("level")) else None}
            for r in rows.to_dict(orient="records")]


def _gap_rows(session: Session, store: GraphStore, cache: AppCache, entity_id: str) -> list[dict[str, Any]]:
    found = []
    for name, function, column, label in GAP_LISTS:
        table = cached_table(session.principal, store, cache, f"gaps:{name}", function)
        if column not in table.columns:
            continue
        for row in table[table[column] == entity_id].to_dict(orient="records"):
            reason = row.get("reason") if _present(row.get("reason")) else ""
            if name == "promotion_readiness" and _present(row.get("lacks")):
                reason = f"{reason}（缺 / lacks: {_fmt(row['lacks'])}）" if reason else _fmt(row["lacks"])
            if name == "lapsed_certificates" and not reason:
                reason = f"高企证书 {_fmt(row.get('valid_until', ''))} 到期 / certificate lapsed"
            found.append({"list": label, "reason": reason,
                          "priority": int(row["priority"]) if _present(row.get("priority")) else None})
    return found


_MEASURES = (("degree", "合作伙伴数 / partners", 0), ("pagerank", "网络影响力 PageRank", 5),
             ("betweenness", "桥梁作用 / betweenness", 4), ("coreness", "核心度 / coreness", 0),
             ("constraint", "结构洞约束 / constraint", 3), ("community", "所属社群 / community", 0))
_FIGURES = (("rd_intensity", "研发强度 / R&D intensity", "%"), ("revenue", "营业收入 / revenue", "万元"),
            ("rd_spend", "研发投入 / R&D spending", "万元"), ("patents", "有效专利 / patents", "件"),
            ("invention_patents", "发明专利 / invention patents", "件"), ("st_share", "科技人员占比 / S&T staff", "%"))


def _indicators(session: Session, store: GraphStore, cache: AppCache, entity_id: str, kind: str
                ) -> list[dict[str, str]]:
    out = []
    measures = cached_table(session.principal, store, cache, "web:measures", ecosystem.organisation_measures)
    row = measures[measures["id"] == entity_id]
    if len(row):
        record = row.iloc[0].to_dict()
        rank = int(row.index[0]) + 1 if measures.index.is_monotonic_increasing else None
        for key, label, digits in _MEASURES:
            value = record.get(key)
            if _present(value):
                text = f"{float(value):.{digits}f}" if digits else f"{int(value)}"
                if key == "pagerank" and rank is not None:
                    text += f"（第 {rank} / {len(measures)} 位）"
                out.append({"label": label, "value": text})
    if kind == "Enterprise":
        firms = cached_table(session.principal, store, cache, "web:enterprises", ecosystem.enterprises)
        row = firms[firms["enterprise_id"] == entity_id]
        if len(row):
            record = row.iloc[0].to_dict()
            for key, label, unit in _FIGURES:
                value = record.get(key)
                if _present(value):
                    out.append({"label": label, "value": f"{_fmt(round(float(value), 2))} {unit}"})
    return out


def _pairings(store: GraphStore, cache: AppCache, entity_id: str, kind: str) -> tuple[list[dict[str, Any]], str | None]:
    """Recommended partners as cards, or none and a note saying why."""
    if kind not in ("Enterprise", "University", "Talent"):
        return [], "推荐只针对企业、高校院所和专家 / pairings are for firms, universities and experts"
    try:
        recommender = fitted_recommender(store, cache)
        found = recommender.recommend(entity_id, k=_PAIRINGS)
    except HTTPException as exc:
        if exc.status_code == 503:
            return [], "推荐模型正在准备，请稍后刷新 / the recommender is being prepared; reload in a minute"
        return [], f"暂无推荐 / no pairings: {exc.detail}"
    except InnonetError as exc:
        if type(exc).__name__ == "NotFittedError":
            return [], "推荐模型正在准备，请稍后刷新 / the recommender is being prepared; reload in a minute"
        return [], f"暂无推荐 / no pairings: {exc}"
    cards = []
    for row in found.to_dict(orient="records"):
        reasons = []
        for reason in row.get("reasons") or []:
            contribution = reason.get("contribution")
            if not _present(contribution) or float(contribution) <= 0:
                continue
            signal = reason.get("signal", "")
            if not (reason.get("evidence_zh") or reason.get("evidence")):
                continue
            reasons.append({"signal": f"{_SIGNAL_ZH.get(signal, signal)} {signal}",
                            "evidence": reason.get("evidence_zh") or reason.get("evidence") or "",
                            "evidence_en": reason.get("evidence") if reason.get("evidence_zh") else ""})
        score = float(row.get("score") or 0.0)
        index = row.get("match_index")  # 0-100: better than this share of the possible pairs
        match = round(float(index)) if _present(index) else round(score * 100)
        explanation = [part.strip() for part in str(row.get("explanation") or "").split(" | ", 1)]
        cards.append({"rank": int(row["rank"]), "id": row["id"], "name": row.get("name") or row["id"],
                      "kind": kind_zh(row.get("kind")), "url": org_url(row["id"]), "score": score,
                      "percent": match, "explanation": explanation[0],
                      "explanation_en": explanation[1] if len(explanation) > 1 else "",
                      "reasons": reasons[:4],
                      "place": "·".join(str(row[c]) for c in ("category", "town", "city") if _present(row.get(c)))})
    return cards, None if cards else "没有找到合适的新伙伴 / no new partner scores high enough"


def profile(request: Request, session: Session, store: GraphStore, cache: AppCache, entity_id: str
            ) -> dict[str, Any]:
    """Everything the organisation page shows, as the caller's role may see it."""
    view = store_for(session.principal, store)
    nodes = view.nodes(ids=[entity_id])
    if nodes.empty:
        raise NotFoundError(f"没有编号为 {entity_id!r} 的记录 / no record with id {entity_id!r}; 请用搜索框查找 / search for it")
    node = {k: v for k, v in nodes.iloc[0].to_dict().items() if _present(v)}
    kind = str(node["kind"])
    neighbours = view.neighbours(entity_id)
    ids = [v for v in neighbours.get("event", pd.Series(dtype=object)).dropna().unique() if isinstance(v, str)]
    event_names = dict(zip(view.nodes(ids=ids)["id"], view.nodes(ids=ids)["name"], strict=True)) if ids else {}
    context = {
        "node": node, "kind": kind, "kind_label": kind_zh(kind), "facts": _facts(node),
        "tiers": _tier_history(session, store, cache, entity_id) if kind == "Enterprise" else [],
        "partners": _partners(neighbours),
        "gaps": _gap_rows(session, store, cache, entity_id) if kind == "Enterprise" else [],
        "indicators": _indicators(session, store, cache, entity_id, kind),
        "attended": _attended(neighbours),
        "meetings": [], "cards": [], "pairing_note": None,
        "quoted_id": quote(str(entity_id), safe=""),
    }
    if session.can("matchmaker"):
        context["meetings"] = _events(neighbours, event_names)
        context["cards"], context["pairing_note"] = _pairings(store, cache, entity_id, kind)
    return context


@router.get("/org", response_class=HTMLResponse)
def organisation_page(
    request: Request,
    id: Annotated[str, Query(min_length=1, max_length=300)],
    session: Session = Depends(require("viewer")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    if store_for(session.principal, store).nodes(ids=[id]).empty:
        found = name_index(session.principal, store, cache).resolve(id)  # a name typed into the address: forgive it
        return RedirectResponse(org_url(found.id), status_code=303)
    return page(request, "organisation.html", session=session, **profile(request, session, store, cache, id))


def _sheets(context: dict[str, Any]) -> list[Sheet]:
    node = context["node"]
    sheets = [Sheet("概况", pd.DataFrame([{"item": "名称", "value": node.get("name", "")},
                                           {"item": "类型", "value": context["kind_label"]}]
                                          + [{"item": f["label"], "value": f["value"]} for f in context["facts"]]
                                          + [{"item": i["label"], "value": i["value"]} for i in context["indicators"]]),
                    labels={"item": "项目", "value": "内容"})]
    if context["tiers"]:
        sheets.append(Sheet("梯次", pd.DataFrame(context["tiers"]),
                            labels={"tier": "梯次", "year": "年份", "valid_until": "有效期至", "level": "级别"},
                            formats={"year": "year", "valid_until": "year"}))
    partners = [{"relation": g["label"], "name": i["name"], "kind": i["kind"], "year": i["year"]}
                for g in context["partners"] for i in g["members"]]
    if partners:
        sheets.append(Sheet("合作伙伴", pd.DataFrame(partners),
                            labels={"relation": "关系", "name": "名称", "kind": "类型", "year": "年份"},
                            formats={"year": "year"}))
    if context["gaps"]:
        sheets.append(Sheet("关注事项", pd.DataFrame(context["gaps"]),
                            labels={"list": "清单", "reason": "原因", "priority": "优先级"}))
    if context["cards"]:
        sheets.append(Sheet("推荐对接", pd.DataFrame([
            {"rank": c["rank"], "name": c["name"], "kind": c["kind"], "match_index": c["percent"],
             "explanation": c["explanation"], "evidence": "; ".join(r["evidence"] for r in c["reasons"])}
            for c in context["cards"]]),
            labels={"rank": "排名", "name": "推荐对接方", "kind": "类型", "match_index": "匹配指数 (0-100)",
                    "explanation": "推荐理由", "evidence": "依据"}, formats={"match_index": "count"}))
    return sheets


def _filename(context: dict[str, Any], suffix: str) -> str:
    stem = ascii_stem(str(context["node"]["id"]), 60, "organisation")
    name = re.sub(r'[\\/:*?"<>|\r\n]+', "_", str(context["node"].get("name", "")))[:60]
    return f"attachment; filename=\"profile-{stem}.{suffix}\"; filename*=UTF-8''{quote(f'{name}-画像.{suffix}')}"


@router.get("/org/profile.xlsx")
def profile_xlsx(
    request: Request,
    id: Annotated[str, Query(min_length=1, max_length=300)],
    session: Session = Depends(require("viewer")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    """The one-page profile as a workbook (through the one writer: formulas neutralised)."""
    context = profile(request, session, store, cache, id)
    return Response(workbook_bytes(_sheets(context)), media_type=XLSX,
                    headers={"Content-Disposition": _filename(context, "xlsx"), "Cache-Control": "no-store"})


_CSS = Path(__file__).parent / "static" / "app.css"


@router.get("/org/profile.pdf")
async def profile_pdf(
    request: Request,
    id: Annotated[str, Query(min_length=1, max_length=300)],
    session: Session = Depends(require("viewer")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    """The one-page profile as a PDF (printed by the system Chromium)."""
    context = await run_in_threadpool(profile, request, session, store, cache, id)
    html = templates.get_template("profile_print.html").render(css=_CSS.read_text(encoding="utf-8"), **context)
    pdf = await run_in_threadpool(html_to_pdf, html)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": _filename(context, "pdf"), "Cache-Control": "no-store"})
