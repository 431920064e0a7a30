"""``innonet recommend``, ``innonet evaluate``, ``innonet schedule`` and ``innonet hit-rates`` (产学研对接)."""

from __future__ import annotations

import datetime as dt
import json

import click

from analysis.pairing import (
    PairingData,
    PairingRecommender,
    ablation_table,
    evaluate_pairing,
    event_attendees,
    event_hit_rates,
    event_start,
    schedule_meetings,
)
from api.cli.common import echo_frame, resolve_name, store_from_settings
from api.render.agenda import write_agenda
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
@click.option("--max-share", type=click.FloatRange(0, 1, min_open=True),
              help="Exposure cap: no university / institute in more than this share of all firms' top-10 lists; "
                   "a capped one moves down for the firms it suits least. Default: no cap.")
@click.option("--json", "as_json", is_flag=True, help="Print the recommendations as JSON records.")
def recommend(entity: str, k: int, kind: str | None, category: str | None, town: str | None,
              industry: str | None, min_score: float | None, include_existing: bool, until_year: int | None,
              max_share: float | None, as_json: bool) -> None:
    """Whom should ENTITY (id, USCC or name) meet? Ranked partners with reasons (对接推荐)."""
    data, entity_id = _load_and_resolve(entity)
    recommender = PairingRecommender(max_share=max_share).fit(data, until_year=until_year)
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
@click.option("--diversity-tolerance", type=click.FloatRange(0, 1), default=0.02, show_default=True,
              help="Share of the held-out nDCG@10 the fit may give up for more varied lists (popularity penalty).")
@click.option("--max-share", type=click.FloatRange(0, 1, min_open=True),
              help="Exposure cap: no institute in more than this share of the firms' top-10 lists (e.g. 0.25); "
                   "costs some accuracy. Default: no cap.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def evaluate(cutoff_year: int, k: int, sample: int | None, seed: int, ablation: bool, model: str,
             diversity_tolerance: float, max_share: float | None, as_json: bool) -> None:
    """Evaluate pairing against the baselines: accuracy, coverage, top share, novelty (评估)."""
    result = evaluate_pairing(_load(), cutoff_year, k=k, sample=sample, seed=seed, ablation=ablation,
                              model=model, random_state=seed, diversity_tolerance=diversity_tolerance,
                              max_share=max_share)
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
@click.option("--min-score", type=click.FloatRange(0, 1),
              help="Book no pair scoring below this (0-1). Default: the median score of all possible pairs.")
@click.option("--start", "start_text", help="When slot 1 starts: 'YYYY-MM-DD HH:MM' or 'HH:MM' "
              "(default 09:00 on the Event's date).")
@click.option("--slot-minutes", type=click.IntRange(1, 480), default=20, show_default=True, help="Length of a slot.")
@click.option("--tables", type=click.IntRange(1), help="Meeting tables: at most this many meetings at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the per-slot table as JSON records.")
def schedule(event_id: str | None, attendees_file: str | None, slots: int, max_meetings: int, out: str | None,
             include_existing: bool, min_score: float | None, start_text: str | None, slot_minutes: int,
             tables: int | None, as_json: bool) -> None:
    """Plan 1:1 meetings for a matchmaking event (对接会日程): times, tables, no pair below the minimum score."""
    if (event_id is None) == (attendees_file is None):
        raise SchemaError("give exactly one of --event EVENT_ID or --attendees FILE")
    start = _start(start_text)
    with store_from_settings() as store:
        data = PairingData.load(store)
        if event_id:
            event_id = resolve_name(store, event_id, kinds=("Event",))
            attendees = event_attendees(data, event_id)
        else:
            attendees = _attendees_from_file(attendees_file, store)
    if start is None:
        start = event_start(data, event_id)
    recommender = PairingRecommender().fit(data)
    table, agenda = schedule_meetings(recommender, attendees, slots, max_meetings,
                                      include_existing=include_existing, min_score=min_score, start=start,
                                      slot_minutes=slot_minutes, tables=tables)
    if out:
        write_agenda(out, table, agenda, {"活动 / event": event_id or attendees_file, "时段数 / slots": slots,
                                          "每段分钟 / slot minutes": slot_minutes,
                                          "桌数 / tables": tables or "每场一桌 / one per meeting"})
    if as_json:
        click.echo(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, default=str))
        return
    firms = sum(data.kinds[data.pos[a]] == "Enterprise" for a in attendees)
    click.echo(f"{len(table)} meetings in {slots} slots; {table['enterprise_id'].nunique()} of {firms} firms meet someone"
               + (f"; no pair below score {table.attrs['min_score']:.3f}" if table.attrs.get("min_score") else ""))
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


def _start(text: str | None) -> dt.datetime | dt.time | None:
    """``--start``: a date and time, or a time of day; None when not given."""
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip()) if len(text.strip()) > 5 else dt.time.fromisoformat(text.strip())
    except ValueError:
        raise SchemaError(f"--start {text!r} is not a time; write it as '2025-05-20 09:00' or '09:00'") from None


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
