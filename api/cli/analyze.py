"""``innonet analyze``: the 月报 / 季评 — workbook, report (HTML, Word, PDF) and charts for one period."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.common import store_from_settings

COMMANDS: list[click.Command] = []


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="analysis", show_default=True,
              help="Directory for analysis.xlsx, report.html / .docx / .pdf and charts/*.png. For the web reports "
                   "page (/web/reports) to list the files, write into INNONET_REPORT_DIR (default ./analysis) "
                   "for the latest city report, else its sub-folder <period> or <period>-<town>, e.g. "
                   "--period 2025-Q3 --town 丁蜀镇 --out analysis/2025-Q3-丁蜀镇.")
@click.option("--period", help="The month (2025-11), quarter (2025-Q3) or year (2025) reported.")
@click.option("--year", type=int, help="Report the whole year (the same as --period YEAR).")
@click.option("--town", help="The town's report: its own figures, charts and sheets; city-wide tables are labelled.")
@click.option("--compare", "compare", is_flag=False, flag_value="previous", default=None,
              help="List what changed since a period (alone: the previous period; or e.g. --compare 2025-Q2).")
@click.option("--top", type=int, default=5, show_default=True, help="Rows per town of each gap list in the report.")
@click.option("--pdf/--no-pdf", "with_pdf", default=True, show_default=True,
              help="Also print report.pdf with headless Chromium.")
@click.option("--map/--no-map", "with_map", default=True, show_default=True,
              help="Also write map.html, the ecosystem map report.html links to.")
def analyze(out: str, period: str | None, year: int | None, town: str | None, compare: str | None, top: int,
            with_pdf: bool, with_map: bool) -> None:
    """Indicators, targets, changes since the last report and gap lists for a period (月报 / 季评).

    Writes analysis.xlsx, report.html, report.docx, report.pdf, charts/*.png and map.html; keeps the
    report's summary in the store so that the next --compare can say what changed. The web reports page
    lists a period's files from INNONET_REPORT_DIR/<period>[-<town>] (see --out).
    """
    from graph.errors import SchemaError

    try:
        with store_from_settings() as store:
            run_and_write(store, Path(out), year=year, town=town, with_map=with_map, period=period,
                          compare=compare, top=top, with_pdf=with_pdf)
    except SchemaError as exc:
        raise click.BadParameter(str(exc)) from None


def run_and_write(store, directory: Path, *, year: int | None = None, town: str | None = None,
                  with_map: bool = True, period: str | None = None, compare: str | None = None, top: int = 5,
                  with_pdf: bool = False) -> None:
    """Run the analysis on ``store`` and write its files into ``directory``.

    ``innonet analyze`` and ``innonet demo`` both call this.
    """
    from analysis.report import run_analysis
    from api.render.report import write_report_files

    compare_to = True if compare == "previous" else compare
    result = run_analysis(store, year=year, town=town, period=period, compare=compare_to, top=top)
    written = write_report_files(result, directory, store=store, with_pdf=with_pdf, with_map=with_map)
    for name, path in written["files"].items():
        if name != "report.docx":
            click.echo(f"wrote {path}")
    click.echo(f"wrote {len(written['charts'])} charts in {directory / 'charts'}")
    click.echo(f"wrote {written['files']['report.docx']}")
    for note in written["notes"]:
        click.echo(note, err=True)
    if result.compared_with is not None:
        click.echo(f"compared with {result.compared_with} ({result.compare_origin}): "
                   f"{len(result.tables['changes'])} changes")
    click.echo(f"{result.title}: data to {result.period.end if result.period else result.year}; "
               f"compute {sum(result.timings.values()):.2f} s")


COMMANDS.append(analyze)
