"""``innonet recommend``, ``innonet evaluate``, ``innonet schedule`` and ``innonet hit-rates`` (产学研对接)."""

from __future__ import annotations

import json

import click

from analysis.pairing import (
    PairingData,
    PairingRecommender,
    ablation_table,
    evaluate_pairing,
    event_attendees,
    event_hit_rates,
    schedule_meetings,
    write_schedule_excel,
)
from api.cli.common import echo_frame, resolve_name, store_from_settings
from graph.errors import SchemaError

COMMANDS: list[click.Command] = []


def _load() -> PairingData:
    with store_from_settings() as store:
        return PairingData.load(store)


def _load_and_resolve(text: str) -> tuple[PairingData, str]:
    with store_from_settings() as store:
        entity_id = resolve_name(store, text)
        return PairingData.load(store), entity_id


@click.command()
@click.argument("entity")
@click.option("-k", "k", type=int, default=10, show_default=True, help="How many recommendations.")
@click.option("--kind", type=click.Choice(["University", "Talent", "Enterprise"]),
              help="What to recommend (default: universities for a firm, firms for a university).")
@click.option("--category", help="Only this category (高校 / 科研院所).")
@click.option("--town", help="Only candidates in this town / park.")
@click.option("--industry", help="Only candidates in this industry.")
@click.option("--min-score", type=float, help="Only candidates scoring at least this (0-1).")
@click.option("--include-existing", is_flag=True, help="Also list existing partners.")
@click.option("--until-year", type=int, help="Learn and recommend as of the end of this year.")
@click.option("--json", "as_json", is_flag=True, help="Print the recommendations as JSON records.")
def recommend(entity: str, k: int, kind: str | None, category: str | None, town: str | None,
              industry: str | None, min_score: float | None, include_existing: bool, until_year: int | None,
              as_json: bool) -> None:
    """Whom should ENTITY (id, USCC or name) meet? Ranked partners with reasons (对接推荐)."""
    data, entity_id = _load_and_resolve(entity)
    recommender = PairingRecommender().fit(data, until_year=until_year)
    recs = recommender.recommend(entity_id, k=k, kind=kind, category=category, town=town, industry=industry,
                                 min_score=min_score, include_existing=include_existing)
    if as_json:
        click.echo(json.dumps(recs.to_dict(orient="records"), ensure_ascii=False, default=str))
        return
    click.echo(f"{data.names[data.pos[entity_id]]} ({entity_id}): {len(recs)} recommendations")
    for row in recs.itertuples():
        click.echo(f"{row.rank:>3}. {row.name} [{row.id}] score {row.score:.3f}")
        click.echo(f"     {row.explanation}")


@click.command()
@click.option("--cutoff-year", type=int, required=True, help="Fit on data up to this year, test on what came after.")
@click.option("-k", "k", type=int, default=10, show_default=True, help="Cut-off rank for P@k, R@k, nDCG@k.")
@click.option("--sample", type=int, help="Evaluate a random sample of this many test firms.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample and the negatives.")
@click.option("--ablation/--no-ablation", default=False, show_default=True,
              help="Also evaluate the model without each signal and with each signal alone.")
@click.option("--model", type=click.Choice(["logistic", "gbm"]), default="logistic", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def evaluate(cutoff_year: int, k: int, sample: int | None, seed: int, ablation: bool, model: str,
             as_json: bool) -> None:
    """Evaluate pairing against the baselines: accuracy, coverage, top share, novelty (评估)."""
    result = evaluate_pairing(_load(), cutoff_year, k=k, sample=sample, seed=seed, ablation=ablation,
                              model=model, random_state=seed)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"cut-off {cutoff_year}, k={k}: {result['model']['firms']} test firms, {result['seconds']} s")
    echo_frame(ablation_table(result))


@click.command()
@click.option("--event", "event_id", help="Schedule the attendees of this Event id.")
@click.option("--attendees", "attendees_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV/XLSX with a column id, uscc or name (编号 / 统一社会信用代码 / 名称).")
@click.option("--slots", type=int, required=True, help="Number of time slots.")
@click.option("--max-meetings", type=int, required=True, help="Most meetings per organisation or expert.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the schedule to this Excel file.")
@click.option("--include-existing", is_flag=True, help="Allow meetings with existing partners.")
@click.option("--json", "as_json", is_flag=True, help="Print the per-slot table as JSON records.")
def schedule(event_id: str | None, attendees_file: str | None, slots: int, max_meetings: int, out: str | None,
             include_existing: bool, as_json: bool) -> None:
    """Plan 1:1 meetings for a matchmaking event (对接会日程)."""
    if (event_id is None) == (attendees_file is None):
        raise SchemaError("give exactly one of --event EVENT_ID or --attendees FILE")
    with store_from_settings() as store:
        data = PairingData.load(store)
        if event_id:
            attendees = event_attendees(data, resolve_name(store, event_id, kinds=("Event",)))
        else:
            attendees = _attendees_from_file(attendees_file, store)
    recommender = PairingRecommender().fit(data)
    table, agenda = schedule_meetings(recommender, attendees, slots, max_meetings,
                                      include_existing=include_existing)
    if out:
        write_schedule_excel(table, agenda, out)
    if as_json:
        click.echo(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, default=str))
        return
    firms = sum(data.kinds[data.pos[a]] == "Enterprise" for a in attendees)
    click.echo(f"{len(table)} meetings in {slots} slots; {table['enterprise_id'].nunique()} of {firms} firms meet someone")
    echo_frame(table.drop(columns=["explanation"]), max_rows=200)
    if out:
        click.echo(f"wrote {out}")


def _attendees_from_file(path: str, store: object) -> list[str]:
    """The attendees of a sign-up list (any file ``innonet ingest`` reads; names resolved forgivingly).
    Names that fit several records or none stop the command with the rows to correct."""
    from ingest.attendees import read_attendee_list

    found = read_attendee_list(path, store)
    forgiven = found.resolved[~found.resolved["matched_by"].isin(["id", "uscc", "moe_code", "name"])]
    for row in forgiven.to_dict(orient="records"):
        click.echo(f"innonet: row {row['row']}: “{row['text']}” → {row['name']} [{row['id']}] ({row['matched_by']})",
                   err=True)
    if len(found.problems):
        lines = [f"  row {r['row']}: “{r['text']}” — {r['problem']}" + (f"; 候选 / candidates: {r['candidates']}"
                                                                          if r["candidates"] else "")
                 for r in found.problems.to_dict(orient="records")]
        raise SchemaError(f"{len(found.problems)} attendee(s) of {path!r} need correcting "
                          f"(请更正后重试 / correct them and run again):\n" + "\n".join(lines))
    return found.ids


@click.command(name="hit-rates")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON records.")
def hit_rates(as_json: bool) -> None:
    """Per event: meetings held and how many led to signed / follow-up (对接成效)."""
    frame = event_hit_rates(_load())
    if as_json:
        click.echo(json.dumps(frame.to_dict(orient="records"), ensure_ascii=False, default=str))
        return
    echo_frame(frame)


COMMANDS += [recommend, evaluate, schedule, hit_rates]
