"""The ``innonet`` command line: a thin layer over the library.

Each topic's commands live in a module of :mod:`api.commands` that lists them
in ``COMMANDS``; they are all added here.  Errors the library raises on
purpose (:class:`graph.errors.InnonetError`) become one-line messages and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

import api.commands
from graph.errors import InnonetError

__all__ = ["cli", "main"]


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InnonetError as exc:
            click.echo(f"innonet: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="innonet")
def cli() -> None:
    """innonet: the innovation-network analyzer of the Yixing S&T bureau (宜兴创新网络分析).

    The store is the SQLite file INNONET_DB (default ./innonet.db), or Neo4j
    when NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) is set.
    """


for _info in sorted(pkgutil.iter_modules(api.commands.__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"api.commands.{_info.name}")
    for _command in getattr(_module, "COMMANDS", []):
        cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="innonet")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
