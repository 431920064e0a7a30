"""``innonet analyze``: the monthly analysis workbook and report."""

from __future__ import annotations

from pathlib import Path

import click

from api.commands.common import store_from_settings

COMMANDS: list[click.Command] = []


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="analysis", show_default=True,
              help="Directory for analysis.xlsx and report.html.")
@click.option("--year", type=int, help="Analyse the network as it stood at the end of this year.")
@click.option("--town", help="Only this town's rows (indicators keep the city-wide rows).")
def analyze(out: str, year: int | None, town: str | None) -> None:
    """Ecosystem, gaps and the 12-action indicators: analysis.xlsx + report.html (分析月报)."""
    from analysis.report import run_analysis, write_report, write_workbook  # noqa: PLC0415

    with store_from_settings() as store:
        result = run_analysis(store, year=year, town=town)
    directory = Path(out)
    click.echo(f"wrote {write_workbook(result, directory / 'analysis.xlsx')}")
    click.echo(f"wrote {write_report(result, directory / 'report.html')}")
    click.echo(f"as of {result.year}; compute {sum(result.timings.values()):.2f} s")


COMMANDS.append(analyze)
