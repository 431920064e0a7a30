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
