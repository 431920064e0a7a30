"""``innonet find``: which record a name means, the way every command reads it (查找)."""

from __future__ import annotations

import json

import click

from api.cli.common import store_from_settings

COMMANDS: list[click.Command] = []


@click.command()
@click.argument("text")
@click.option("--kind", "kinds", multiple=True, help="Only this node kind (repeatable): Enterprise, University …")
@click.option("--json", "as_json", is_flag=True, help="Print the resolution (or the candidates) as JSON.")
def find(text: str, kinds: tuple[str, ...], as_json: bool) -> None:
    """Which firm, institute or person TEXT means (short names, 宜兴 for 宜兴市, typos forgiven) (查找).

    The same resolver as recommend, map, schedule, the API and the web pages.  Several candidates or none:
    exit status 2, with the candidates or the closest names.
    """
    from graph.errors import AmbiguousNameError, NameNotFoundError
    from graph.lookup import resolve

    with store_from_settings() as store:
        try:
            found = resolve(store, text, kinds=kinds or None)
        except (AmbiguousNameError, NameNotFoundError) as exc:
            if not as_json:
                raise
            ambiguous = isinstance(exc, AmbiguousNameError)
            listed = exc.candidates if ambiguous else exc.suggestions
            click.echo(json.dumps({"outcome": "ambiguous" if ambiguous else "not_found", "message": str(exc),
                                   "candidates": [c._asdict() for c in listed]}, ensure_ascii=False, default=str))
            raise click.exceptions.Exit(2) from None
    if as_json:
        click.echo(json.dumps({"outcome": "found", "id": found.id, "name": found.name, "kind": found.kind,
                               "matched_by": found.matched_by, "score": found.score}, ensure_ascii=False))
        return
    click.echo(f"{found.name}\t{found.id}\t{found.kind}\t{found.describe()}")


COMMANDS.append(find)
