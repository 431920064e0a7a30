"""The workbook of a matchmaking event's meeting plan (对接会日程), written through :mod:`api.render.writer`.

Three sheets, Chinese headers (the ones ``innonet map --schedule`` reads back):

* ``按时段`` — every meeting by slot and table: time, table, firm, counterpart, match index, reasons;
* ``按单位`` — each organisation's own agenda (where to be, when, whom it meets);
* ``说明`` — the event's settings: start, slot length, tables, the minimum score, what the match index means.

Examples
--------
>>> import io, openpyxl, pandas as pd
>>> from analysis.pairing import AGENDA_COLUMNS, SCHEDULE_COLUMNS
>>> row = dict(slot=1, start="09:00", end="09:20", table=1, enterprise_id="e1", enterprise_name="=甲",
...            partner_id="u1", partner_name="江南大学", partner_kind="University", score=0.8, match_index=91,
...            explanation="匹配指数91")
>>> schedule = pd.DataFrame([row], columns=SCHEDULE_COLUMNS)
>>> agenda = pd.DataFrame(columns=AGENDA_COLUMNS)
>>> book = openpyxl.load_workbook(io.BytesIO(agenda_workbook(schedule, agenda)))
>>> book.sheetnames, book["按时段"]["A1"].value, book["按时段"]["F2"].quotePrefix
(['按时段', '按单位', '说明'], '时段', True)
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any

import pandas as pd

from analysis.pairing import AGENDA_ZH, SCHEDULE_ZH
from api.render.writer import Sheet, write_workbook

__all__ = ["agenda_sheets", "agenda_workbook", "write_agenda"]

_FORMATS = {"slot": "count", "table": "count", "score": "ratio", "match_index": "count"}


def _sheet(name: str, frame: pd.DataFrame, labels: dict[str, str]) -> Sheet:
    formats = {labels[c]: kind for c, kind in _FORMATS.items() if c in frame.columns}
    return Sheet(name, frame.rename(columns=labels), formats=formats)


def agenda_sheets(schedule: pd.DataFrame, agenda: pd.DataFrame, settings: dict[str, Any] | None = None
                  ) -> list[Sheet]:
    """The sheets of the workbook: 按时段 (schedule), 按单位 (agenda) and 说明 (``settings`` as rows)."""
    notes = {"匹配指数 / match index": "0–100: 高于多少比例的可能组合 (better than this % of possible pairs)"}
    if "min_score" in schedule.attrs and schedule.attrs["min_score"] is not None:
        notes["最低匹配度 / minimum score"] = round(float(schedule.attrs["min_score"]), 4)
    notes.update(settings or {})
    about = pd.DataFrame({"项目": list(notes), "内容": [str(v) for v in notes.values()]})
    return [_sheet("按时段", schedule, SCHEDULE_ZH), _sheet("按单位", agenda, AGENDA_ZH), Sheet("说明", about)]


def write_agenda(target: str | os.PathLike[str] | IO[bytes], schedule: pd.DataFrame, agenda: pd.DataFrame,
                 settings: dict[str, Any] | None = None) -> Path | IO[bytes]:
    """Write the meeting plan (frames of :func:`analysis.pairing.schedule_meetings`) to ``target``."""
    return write_workbook(target, agenda_sheets(schedule, agenda, settings))


def agenda_workbook(schedule: pd.DataFrame, agenda: pd.DataFrame, settings: dict[str, Any] | None = None) -> bytes:
    """:func:`write_agenda` into memory: the ``.xlsx`` bytes."""
    buffer = io.BytesIO()
    write_agenda(buffer, schedule, agenda, settings)
    return buffer.getvalue()
