"""``innonet demo``: generate the synthetic Yixing ecosystem and load it into the configured store."""

from __future__ import annotations

import time
from pathlib import Path

import click

from api.cli.analyze import run_and_write
from api.cli.common import store_from_settings
from ingest.demo import SCALES, generate

COMMANDS: list[click.Command] = []


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="innonet_demo", show_default=True,
              help="Directory for the generated files and ingest_report.xlsx.")
@click.option("--scale", type=click.Choice(list(SCALES)), default="city", show_default=True,
              help="city: ~3,000 firms; province: ~200,000 firms (benchmarks); test: a few hundred.")
@click.option("--seed", type=int, default=2023, show_default=True, help="Random seed; the same seed, the same data.")
@click.option("--analysis/--no-analysis", "with_analysis", default=True, show_default=True,
              help="After loading, run `innonet analyze` into --out (analysis.xlsx, report.html, map.html).")
def demo(out_dir: str, scale: str, seed: int, with_analysis: bool) -> None:
    """Generate a realistic Yixing demo ecosystem and ingest it (演示数据).

    Writes the bureau-style files (名录 XLSX, GB18030 科技型中小企业 list, talents,
    tiers, projects, relationships, events) into --out, loads them through the
    normal ingest path into the store (INNONET_DB, or Neo4j when NEO4J_URI is
    set), prints the counts and where the ingest report is, then runs the
    analysis into --out: analysis.xlsx, report.html and the ecosystem map.html.  Re-running
    with the same seed leaves the store as it was.
    """
    from api.render.export import write_ingest_report, write_review_file
    from ingest.pipeline import ingest_files

    out = Path(out_dir)
    started = time.perf_counter()
    click.echo(f"generating the {scale} demo (seed {seed}) into {out}/ …")
    paths = generate(out, scale=scale, seed=seed, progress=True)
    generated = time.perf_counter()
    with store_from_settings() as store:
        click.echo(f"ingesting {len(paths)} files into {store.description} …")
        report = ingest_files(store, list(paths.values()), progress=True, pause_gc=True)
        write_review_file(report, out / "review.xlsx")
        counts = store.counts()
        finished = time.perf_counter()
        report_path = write_ingest_report(report, out / "ingest_report.xlsx")

        totals = report.totals()
        click.echo(f"generated in {generated - started:.1f} s, ingested in {finished - generated:.1f} s")
        click.echo("rows: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
        for section in ("nodes", "relationships"):
            items = counts[section]
            click.echo(f"{section}: {sum(items.values())}")
            for name, n in items.items():
                click.echo(f"  {name:<20} {n:>8}")
        click.echo("files:")
        for path in paths.values():
            click.echo(f"  {path}")
        click.echo(f"ingest report: {report_path}")
        if len(report.reviews):
            files = " ".join(str(p) for p in paths.values())
            click.echo(f"held for review: {len(report.reviews)} rows in {out / 'review.xlsx'}; fill its decision "
                       f"column (merge / separate), then: innonet ingest {files} --accept-review {out / 'review.xlsx'}")
        if with_analysis and scale != "province":
            click.echo("analysing …")
            run_and_write(store, out)
        elif with_analysis:
            click.echo("province scale: skipping the analysis (run `innonet analyze` when you need it)")

COMMANDS.append(demo)
