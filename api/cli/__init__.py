"""The ``innonet`` command line: a thin layer over the library (parse arguments, call, print).

Each topic's commands live in a module of :mod:`api.cli` (``analyze``, ``demo``, ``ingest``, ``maps``,
``pairing``, ``serve``, ``store``).  The group knows every command's name, module and one-line help from
:data:`COMMANDS` and imports a command's module only when that command runs, so ``innonet --help`` and
``innonet stats`` start without importing pandas' analysis stack, scikit-learn, igraph or the Neo4j driver.
A test keeps :data:`COMMANDS` equal to what the modules define.

Errors the library raises on purpose (:class:`graph.errors.InnonetError`) become one-line messages and exit
status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

__all__ = ["COMMANDS", "cli", "main"]

#: command name → (module under ``api.cli``, attribute, one-line help shown by ``innonet --help``)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "analyze": ("analyze", "analyze",
        "Indicators, targets, changes since the last report and gap lists for a period (月报 / 季评)."),
    "demo": ("demo", "demo",
        "Generate a realistic Yixing demo ecosystem and ingest it (演示数据)."),
    "evaluate": ("pairing", "evaluate",
        "Evaluate pairing against the baselines: accuracy, coverage, top share, novelty (评估)."),
    "export": ("store", "export",
        "Export the network for Gephi (GraphML, GEXF), as nodes.csv + edges.csv, or as one workbook (导出)."),
    "find": ("find", "find",
        "Which firm, institute or person TEXT means (short names, 宜兴 for 宜兴市, typos forgiven) (查找)."),
    "hit-rates": ("pairing", "hit_rates",
        "Per event: meetings held and how many led to signed / follow-up (对接成效)."),
    "ingest": ("ingest", "ingest",
        "Load CSV/XLSX files (organisations, talents, tiers, relationships, participations, events, targets) (导入数据)."),
    "map": ("maps", "map_command",
        "Draw the network as one offline HTML map, with optional posters and exports (网络地图)."),
    "recommend": ("pairing", "recommend",
        "Whom should ENTITY (id, USCC or name) meet? Ranked partners with reasons (对接推荐)."),
    "schedule": ("pairing", "schedule",
        "Plan 1:1 meetings for a matchmaking event (对接会日程): times, tables, no pair below the minimum score."),
    "schema": ("store", "schema",
        "Print the graph model (node kinds, relationship types, properties) as Markdown (数据模型)."),
    "serve": ("serve", "serve",
        "Run the HTTP API (keys from INNONET_API_KEYS or INNONET_API_KEYS_FILE; docs at /docs)."),
    "stats": ("store", "stats",
        "Counts of nodes per kind and relationships per type (统计)."),
}


def load_command(name: str) -> click.Command:
    """The click command ``name`` (its module is imported now).

    Raises
    ------
    KeyError
        ``name`` is not a command.
    """
    module, attribute, _ = COMMANDS[name]
    return getattr(importlib.import_module(f"api.cli.{module}"), attribute)


class _LazyGroup(click.Group):
    """A group that imports a command's module only when the command is run (or its own help is asked)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # ``innonet --help`` lists the commands from the registry: no command module is imported
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        from graph.errors import InnonetError

        try:
            return super().invoke(ctx)
        except InnonetError as exc:
            click.echo(f"innonet: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="innonet")
def cli() -> None:
    """innonet: the innovation-network analyzer of the Yixing S&T bureau (宜兴创新网络分析).

    The store is the SQLite file INNONET_DB (default ./innonet.db), or Neo4j
    when NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) is set.
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="innonet")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
