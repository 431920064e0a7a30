"""``innonet stats`` and ``innonet export``."""

from __future__ import annotations

import json

import click

from api.cli.common import store_from_settings

#: the formats of :func:`api.render.export.export_graph` (a test keeps them equal; listed here so the CLI starts fast)
FORMATS = ("graphml", "gexf", "csv", "xlsx")

COMMANDS: list[click.Command] = []


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print exactly the counts() dict as JSON.")
def stats(as_json: bool) -> None:
    """Counts of nodes per kind and relationships per type (统计)."""
    with store_from_settings() as store:
        counts = store.counts()
        where = store.description
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False))
        return
    click.echo(f"store: {where}")
    for section in ("nodes", "relationships"):
        items = counts[section]
        click.echo(f"{section}: {sum(items.values())}")
        for name, n in items.items():
            click.echo(f"  {name:<20} {n:>8}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="graphml / gexf (Gephi), csv (a folder) or xlsx.")
@click.option("--out", "out", type=click.Path(), required=True, help="File (graphml, gexf, xlsx) or folder (csv).")
@click.option("--kind", "kinds", multiple=True, help="Only these node kinds (repeatable).")
@click.option("--type", "types", multiple=True, help="Only these relationship types (repeatable).")
@click.option("--until-year", type=int, help="The network as it stood at the end of this year.")
def export(fmt: str, out: str, kinds: tuple[str, ...], types: tuple[str, ...], until_year: int | None) -> None:
    """Export the network for Gephi (GraphML, GEXF), as nodes.csv + edges.csv, or as one workbook (导出)."""
    from api.render.export import export_graph
    from graph.projection import to_networkx

    with store_from_settings() as store:
        graph = to_networkx(store, kinds=kinds or None, types=types or None, until_year=until_year)
    for path in export_graph(graph, fmt, out):
        click.echo(f"wrote {path}")
    click.echo(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} relationships")


COMMANDS += [stats, export]


@click.command()
def schema() -> None:
    """Print the graph model (node kinds, relationship types, properties) as Markdown (数据模型)."""
    from graph.schema import markdown_tables

    click.echo(markdown_tables())


COMMANDS.append(schema)
