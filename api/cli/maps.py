"""``innonet map``: self-contained HTML maps, posters (PNG, A3 PDF) and Gephi exports of one view."""

from __future__ import annotations

import click

from analysis.views import DEFAULT_MAX_MEETINGS, DEFAULT_SLOTS, MAX_INTERACTIVE_NODES, VIEWS, build_view
from api.cli.common import resolve_name, store_from_settings
from api.render.maps import MAX_CITY_NODES, export_view, render_view
from graph.errors import SchemaError
from graph.projection import to_networkx
from ingest.attendees import read_schedule

__all__ = ["map_command"]

COMMANDS: list[click.Command] = []


@click.command("map")
@click.option("--view", type=click.Choice(VIEWS), default="ecosystem", show_default=True,
              help="ecosystem (竹海, aggregated when big), community, ego (one organisation), event (attendees and "
                   "meetings), city (every organisation at once, on one canvas).")
@click.option("--id", "node", help="ego: the organisation (id, USCC or name); event: the Event id.")
@click.option("--tier", help="Only enterprises of this tier (科技型中小企业, 高企, 专精特新 …).")
@click.option("--town", help="Only enterprises in this town (镇/街道/园区).")
@click.option("--industry", help="Only enterprises in this industry.")
@click.option("--community", type=int, help="Only this community (required by --view community).")
@click.option("--out", type=click.Path(dir_okay=False), default="map.html", show_default=True, help="HTML file.")
@click.option("--png", type=click.Path(dir_okay=False), help="Also a poster PNG (300 dpi, --paper size).")
@click.option("--pdf", type=click.Path(dir_okay=False), help="Also a vector PDF poster (--paper size).")
@click.option("--paper", type=click.Choice(["A4", "A3", "A2", "A1"]), default="A3", show_default=True,
              help="Poster paper size.")
@click.option("--orientation", type=click.Choice(["landscape", "portrait"]), default="landscape", show_default=True)
@click.option("--agenda", type=click.Path(dir_okay=False),
              help="event view: also the agenda poster (time × table), .pdf or .png.")
@click.option("--tables", type=click.Path(dir_okay=False), help="event view: also the table plan, .pdf or .png.")
@click.option("--gexf", type=click.Path(dir_okay=False), help="Also the same subgraph as GEXF (Gephi).")
@click.option("--graphml", type=click.Path(dir_okay=False), help="Also the same subgraph as GraphML.")
@click.option("--schedule", "schedule_file", type=click.Path(exists=True, dir_okay=False),
              help="event view: meeting schedule (CSV/XLSX with enterprise_id, partner_id, slot); "
                   "without it the meetings are planned from the pairing model.")
@click.option("--slots", type=click.IntRange(min=1),
              help=f"event view without --schedule: time slots to plan [default: {DEFAULT_SLOTS}].")
@click.option("--max-meetings", type=click.IntRange(min=1),
              help=f"event view without --schedule: most meetings per organisation [default: {DEFAULT_MAX_MEETINGS}].")
@click.option("--title", help="Page title (default: the view and its filters).")
@click.option("--max-nodes", type=int, default=MAX_INTERACTIVE_NODES, show_default=True,
              help="Bigger views are drawn as super-nodes (communities or towns).")
def map_command(view: str, node: str | None, tier: str | None, town: str | None, industry: str | None,
                community: int | None, out: str, png: str | None, pdf: str | None, paper: str, orientation: str,
                agenda: str | None, tables: str | None, gexf: str | None,
                graphml: str | None, schedule_file: str | None, slots: int | None, max_meetings: int | None,
                title: str | None, max_nodes: int) -> None:
    """Draw the network as one offline HTML map, with optional posters and exports (网络地图).

    The event view draws the attendees and the proposed 1:1 meetings: those of --schedule FILE,
    or, without it, meetings planned here (pairing model fitted once, then the same solver as
    ``innonet schedule``) with --slots and --max-meetings.
    """
    if (slots is not None or max_meetings is not None) and (view != "event" or schedule_file):
        raise SchemaError("--slots and --max-meetings plan the meetings of --view event; "
                          "drop them, or drop --schedule to plan the meetings from the pairing model")
    with store_from_settings() as store:
        graph = to_networkx(store)
    node_id = resolve_name(graph, node) if node is not None else None
    schedule = read_schedule(schedule_file) if schedule_file else None  # the one reader
    subgraph = build_view(graph, view, id=node_id, tier=tier, town=town, industry=industry, community=community,
                          schedule=schedule, slots=slots, max_meetings=max_meetings)
    render_view(subgraph, out=out, title=title, max_nodes=max_nodes)
    if view == "city" and subgraph.number_of_nodes() <= MAX_CITY_NODES:
        drawn = "whole city on one canvas"
    else:
        drawn = "aggregated" if subgraph.number_of_nodes() > max_nodes else "interactive"
    click.echo(f"wrote {out} ({subgraph.number_of_nodes()} nodes, {subgraph.number_of_edges()} relationships, {drawn})")
    for note in subgraph.graph.get("notes", []):
        click.echo(f"note: {note}")
    for path in export_view(subgraph, gexf=gexf, graphml=graphml):
        click.echo(f"wrote {path}")
    if png or pdf or agenda or tables:
        from api.render.poster import render_poster

        sheets = [("map", png, pdf)] + [(kind, None, path) if path.lower().endswith(".pdf") else (kind, path, None)
                                        for kind, path in (("agenda", agenda), ("tables", tables)) if path]
        for kind, png_path, pdf_path in sheets:
            for path in render_poster(out, png=png_path, pdf=pdf_path, paper=paper, orientation=orientation, kind=kind):
                click.echo(f"wrote {path}")


COMMANDS.append(map_command)
