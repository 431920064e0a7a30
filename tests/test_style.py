"""House style: the whole tree is ruff clean (rules and exceptions in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    try:
        result = subprocess.run([*command, "check", "--output-format", "concise", "."], check=False, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers():
    """The layers of DESIGN.md ("Layout and direction of dependencies"), as import-linter contracts in
    pyproject.toml: graph at the bottom, ingest and analysis on graph only, render over analysis, the CLI and
    the HTTP service on top and never each other, and no route importing another route."""
    linter = shutil.which("lint-imports")
    if linter is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    result = subprocess.run([linter, "--no-cache"], check=False, cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
