"""What-if: add planned links (secondments, pairings) in memory and see what changes.

The store is never written: planned records are appended to a copy of the
:class:`analysis.ecosystem.Snapshot`.

Examples
--------
>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "rd_spend": 50.0, "revenue": 1000.0,
...                                              "invention_patents": 2}])
>>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
>>> table = what_if(store, pairings=[("e1", "u1")], year=2024)
>>> row = table[table.measure.str.contains("isolated")].iloc[0]
>>> int(row.before), int(row.after)
(1, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.ecosystem import ALL, Snapshot, load_snapshot, organisation_measures
from analysis.gaps import isolated_innovators
from analysis.indicators import indicators
from graph.errors import NotFoundError
from graph.store import GraphStore

__all__ = ["pairing_plan", "secondment_plan", "what_if"]


def _rel_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if "key" not in frame.columns:
        frame["key"] = ""
    return frame.astype(object)


def secondment_plan(
    university_id: str, enterprise_ids: Sequence[str], year: int, role: str = "科技副总"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Planned 科技副总 secondments: one new talent of ``university_id`` seconded to each firm.

    Returns
    -------
    (nodes, relationships) : tuple of pandas.DataFrame
        Talent nodes (``id``, ``kind``, ``name``) and their AFFILIATED_WITH and
        SECONDED_TO relationships (``source``, ``target``, ``type``, ``key``, ``year``, ``role``).
    """
    talents = [f"planned:{university_id}:{i + 1}" for i in range(len(enterprise_ids))]
    nodes = pd.DataFrame(
        {"id": talents, "kind": "Talent", "name": [f"拟选派{role} planned {i + 1}" for i in range(len(talents))]}
    ).astype(object)
    rows = [{"source": t, "target": university_id, "type": "AFFILIATED_WITH", "year": year} for t in talents]
    rows += [
        {"source": t, "target": e, "type": "SECONDED_TO", "year": year, "role": role}
        for t, e in zip(talents, enterprise_ids)
    ]
    return nodes, _rel_frame(rows)


def pairing_plan(pairs: Iterable[tuple[str, str]], year: int) -> pd.DataFrame:
    """Planned enterprise–university collaborations as COLLABORATES_WITH relationships."""
    return _rel_frame(
        [{"source": e, "target": u, "type": "COLLABORATES_WITH", "year": year, "weight": 1.0} for e, u in pairs]
    )


def _summary(snap: Snapshot, partition: pd.Series, year: int) -> dict[tuple[str, str, str], float]:
    measures = organisation_measures(snap)
    firms = measures[(measures["kind"] == "Enterprise")]
    edges = snap.cache["org_edges"]
    fixed = partition.reindex(pd.Index(measures["id"])).to_numpy()
    lookup = pd.Series(fixed, index=measures["id"])
    ca, cb = edges["source"].map(lookup), edges["target"].map(lookup)
    bridges = float(((ca != cb) & ca.notna() & cb.notna()).sum())
    out = {
        ("network", "企业平均约束度 / mean enterprise constraint", ALL): float(firms["constraint"].mean()),
        ("network", "孤立创新企业 / isolated innovators", ALL): float(len(isolated_innovators(snap))),
        ("network", "社群间连接 / bridges between communities", ALL): bridges,
        ("network", "社群数 / communities (Leiden, size >= 2)", ALL): float(
            (measures["community"].value_counts() >= 2).sum()
        ),
    }
    table = indicators(snap, years=[year], town=None)
    for row in table[table["town"] == ALL].itertuples(index=False):
        out[("indicator", f"{row.action}. {row.indicator}", ALL)] = row.value
    return out


def what_if(
    source: GraphStore | Snapshot,
    nodes: pd.DataFrame | None = None,
    relationships: pd.DataFrame | None = None,
    pairings: Iterable[tuple[str, str]] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Compare the network before and after planned links.

    Parameters
    ----------
    nodes, relationships : pandas.DataFrame, optional
        Planned records in the store's frame layout (e.g. from :func:`secondment_plan`).
    pairings : iterable of (enterprise_id, university_id), optional
        Planned collaborations (see :func:`pairing_plan`).
    year : int, optional
        Year of the planned links and of the indicators compared; default the snapshot's ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``section`` ("network" / "indicator"), ``measure``, ``town``, ``before``,
        ``after``, ``change``.  Bridges between communities are counted on the
        *before* partition (new organisations join the community of their first
        neighbour), so the change is caused by the links, not by a new clustering.
    """
    snap = load_snapshot(source)
    year = snap.as_of if year is None else int(year)
    rels = [] if relationships is None else [relationships]
    if pairings is not None:
        rels.append(pairing_plan(pairings, year))
    planned_rels = pd.concat(rels, ignore_index=True) if rels else None
    known = set(snap.nodes["id"]) | (set(nodes["id"]) if nodes is not None and len(nodes) else set())
    if planned_rels is not None and len(planned_rels):
        missing = sorted((set(planned_rels["source"]) | set(planned_rels["target"])) - known)
        if missing:
            raise NotFoundError(f"planned links name unknown ids {missing[:5]}; add them as nodes or fix the ids")
    after_snap = snap.with_records(nodes, planned_rels)
    after_snap.as_of = max(snap.as_of, year)
    before_partition = organisation_measures(snap).set_index("id")["community"]
    partition = before_partition.copy()
    if planned_rels is not None and len(planned_rels):
        next_id = int(partition.max()) + 1 if len(partition) else 0
        for row in planned_rels.itertuples(index=False):
            for new, other in ((row.source, row.target), (row.target, row.source)):
                if new not in partition.index:
                    partition[new] = partition.get(other, np.nan)
                    if pd.isna(partition[new]):
                        partition[new], next_id = next_id, next_id + 1
    before = _summary(snap, before_partition, year)
    after = _summary(after_snap, partition, year)
    rows = []
    for key in dict.fromkeys([*before, *after]):
        b, a = before.get(key, np.nan), after.get(key, np.nan)
        rows.append((*key, b, a, a - b))
    return pd.DataFrame(rows, columns=["section", "measure", "town", "before", "after", "change"])
