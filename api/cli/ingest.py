"""``innonet ingest``: load the bureau's spreadsheets into the configured store (导入)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from api.cli.common import store_from_settings
from api.render.export import write_ingest_report, write_review_file
from api.render.writer import display_width
from graph.errors import IngestError
from ingest.fields import TABLE_ORDER, normalise_header
from ingest.pipeline import ingest_files

__all__ = ["ingest"]

COMMANDS: list[click.Command] = []

#: files that hold options, not data: `innonet ingest examples/*` skips them (pass a mapping with --mapping)
_NOT_DATA = (".json", ".yaml", ".yml", ".md")
#: row-number columns: never loaded, on purpose, so not listed as columns to map
_ROW_NUMBER_HEADERS = ("序号", "序", "no.", "no")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--kind", help="Node kind for an organisations file without a 类型 column (企业, 高校, 基金, 平台 …).")
@click.option("--table", type=click.Choice(list(TABLE_ORDER)),
              help="Table type for every file (default: recognised from the headers); targets = the "
                   "目标任务分解 workbook.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False),
              help='JSON/YAML file {"source header": "field"} for headers innonet does not know.')
@click.option("--sheet", help="Only this sheet of each workbook.")
@click.option("--accept-review", "accept_review", type=click.Path(exists=True, dir_okay=False),
              help="The review file with its decision column filled (merge / separate).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default="ingest_report.xlsx",
              show_default=True, help="Where to write the Excel report.")
@click.option("--review", "review_path", type=click.Path(dir_okay=False),
              help="Where to write rows held for review [default: ingest_review.xlsx next to the report].")
@click.option("--json", "as_json", is_flag=True, help="Print exactly the report's to_dict() as JSON.")
@click.option("--progress/--no-progress", default=False, help="Progress bars on long files.")
def ingest(paths: tuple[str, ...], kind: str | None, table: str | None, mapping: str | None, sheet: str | None,
           accept_review: str | None, report_path: str, review_path: str | None, as_json: bool,
           progress: bool) -> None:
    """Load CSV/XLSX files (organisations, talents, tiers, relationships, participations, events, targets) (导入数据).

    Every row is accounted for: written, merged (into which record), rejected (row, field, reason) or held
    for review (a fuzzy name match).  An unreadable file stops the whole call before anything is written.
    """
    data = [p for p in paths if Path(p).suffix.lower() not in _NOT_DATA]
    skipped = [p for p in paths if p not in data]
    if not data:
        raise click.UsageError("no CSV/XLSX files among the paths given")
    review_target = review_path or str(Path(report_path).with_name("ingest_review.xlsx"))
    if not Path(report_path).resolve().parent.is_dir():  # fail before writing anything
        raise IngestError(f"cannot write the report {report_path!r}: its folder does not exist")
    if not Path(review_target).resolve().parent.is_dir():
        raise IngestError(f"cannot write the review file {review_target!r}: its folder does not exist")
    with store_from_settings() as store:
        report = ingest_files(store, data, kind=kind, table=table, mapping=mapping, sheet=sheet,
                              accept_review=accept_review, progress=progress, pause_gc=True)
    write_ingest_report(report, report_path)
    write_review_file(report, review_target)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    for path in skipped:
        click.echo(f"skipped {path} (not a data file; pass a mapping with --mapping)")
    click.echo(f"{_fit('文件 file', 40)} {_fit('工作表 sheet', 12)} {'table':<15} {'read':>6} {'written':>8} "
               f"{'merged':>7} {'rejected':>9} {'review':>7} {'skipped':>8}")
    for entry in report.files:
        click.echo(f"{_fit(entry['path'], 40, left=True)} {_fit(entry['sheet'], 12)} {entry['table']:<15} "
                   f"{entry['rows_read']:>6} {entry['written']:>8} {entry['merged']:>7} {entry['rejected']:>9} "
                   f"{entry['held_for_review']:>7} {entry.get('skipped', 0):>8}")
        ignored = [c for c in entry.get("ignored_columns") or [] if not str(c).endswith("(序号/row numbers)")
                   and normalise_header(c) not in _ROW_NUMBER_HEADERS]
        if ignored:  # columns the file has and innonet does not know: say so where the user looks
            where = entry["path"] + (f" [{entry['sheet']}]" if entry["sheet"] else "")
            first = str(ignored[0]).split(" (")[0]
            click.echo(f"  未识别的列（未导入）/ columns not recognised, not loaded, in {where}: {', '.join(ignored)}; "
                       f"如需导入请用 --mapping 指定字段 / to load one, map it with --mapping FILE "
                       f"(JSON {{\"{first}\": \"field\"}}; the fields of each table: innonet schema)")
    totals = report.totals()
    skipped_rows = sum(int(entry.get("skipped", 0)) for entry in report.files)
    click.echo(f"total: {totals['rows_read']} rows read, {totals['written']} written, {totals['merged']} merged, "
               f"{totals['rejected']} rejected, {totals['held_for_review']} held for review; "
               f"{skipped_rows} rows skipped as not data (totals, notes, signatures)")
    notes = report.notes
    if len(notes):
        click.echo(f"notes ({len(notes)}, all in the report's 提示 notes sheet):")
        for row in notes.head(10).to_dict(orient="records"):
            number = row.get("row")
            known = number is not None and number == number  # a note about a whole column has no row (None / NaN)
            where = f"{row.get('file', '')}" + (f" row {int(number)}" if known else "")
            click.echo(f"  {where}: {row.get('note') or row.get('text') or row.get('reason')}")
    click.echo(f"report: {report_path}")
    if len(report.reviews):
        click.echo(f"review: {review_target} (fill the decision column, then --accept-review {review_target})")


COMMANDS.append(ingest)


def _fit(text: str, width: int, left: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two, Unicode East Asian Width); a
    longer text is cut with "…" — at its start when ``left`` (a path keeps its file name)."""
    text = str(text)
    if display_width(text) > width:
        chars = list(text)
        while chars and display_width("".join(chars)) > width - 1:
            chars.pop(0 if left else -1)
        text = "…" + "".join(chars) if left else "".join(chars) + "…"
    return text + " " * (width - display_width(text))
