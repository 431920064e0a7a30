"""``innonet analyze``: the monthly analysis workbook and report."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.common import store_from_settings

COMMANDS: list[click.Command] = []


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="analysis", show_default=True,
              help="Directory for analysis.xlsx and report.html.")
@click.option("--year", type=int, help="Analyse the network as it stood at the end of this year.")
@click.option("--town", help="Only this town's rows (indicators keep the city-wide rows).")
@click.option("--map/--no-map", "with_map", default=True, show_default=True,
              help="Also write map.html, the ecosystem map report.html links to.")
def analyze(out: str, year: int | None, town: str | None, with_map: bool) -> None:
    """Ecosystem, gaps and the 12-action indicators: analysis.xlsx + report.html + map.html (分析月报)."""
    with store_from_settings() as store:
        run_and_write(store, Path(out), year=year, town=town, with_map=with_map)


def run_and_write(store, directory: Path, *, year: int | None = None, town: str | None = None,
                  with_map: bool = True) -> None:
    """Run the analysis on ``store`` and write analysis.xlsx, report.html and (optionally) map.html into ``directory``.

    ``innonet analyze`` and ``innonet demo`` both call this.
    """
    from analysis.report import run_analysis, write_report, write_workbook

    result = run_analysis(store, year=year, town=town)
    click.echo(f"wrote {write_workbook(result, directory / 'analysis.xlsx')}")
    click.echo(f"wrote {write_report(result, directory / 'report.html')}")
    click.echo(f"as of {result.year}; compute {sum(result.timings.values()):.2f} s")
    if with_map:
        from api.render.maps import render_map

        filters = {"town": town} if town else {}
        render_map(store, "ecosystem", out=directory / "map.html", **filters)
        click.echo(f"wrote {directory / 'map.html'}")


COMMANDS.append(analyze)
