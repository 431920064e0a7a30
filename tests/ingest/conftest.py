"""Helpers for the ingest tests: writing small CSV / XLSX files and snapshotting a store."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from graph.store import GraphStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def snapshot(store: GraphStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """nodes() and relationships(), comparable with DataFrame.equals."""
    return store.nodes(), store.relationships()


def example_paths() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".csv", ".xlsx"))


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    """``csv_file(rows, name="f.csv", encoding="utf-8")`` writes a CSV into tmp_path."""

    def make(rows: Sequence[Sequence[Any]], name: str = "f.csv", encoding: str = "utf-8") -> Path:
        return write_csv(tmp_path / name, rows, encoding)

    return make


@pytest.fixture
def xlsx_file(tmp_path: Path) -> Callable[..., Path]:
    """``xlsx_file({"sheet": rows}, name="f.xlsx")`` writes a workbook into tmp_path."""

    def make(sheets: dict[str, Sequence[Sequence[Any]]], name: str = "f.xlsx") -> Path:
        return write_xlsx(tmp_path / name, sheets)

    return make
