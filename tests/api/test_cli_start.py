"""The ``innonet`` group lists commands from a registry and imports a command's module only when it runs."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from api.cli import COMMANDS, cli, load_command

MODULES = ["analyze", "demo", "find", "ingest", "maps", "pairing", "serve", "store"]


def test_registry_equals_what_the_modules_define():
    defined = {}
    for module in MODULES:
        for command in importlib.import_module(f"api.cli.{module}").COMMANDS:
            defined[command.name] = (module, command)
    assert set(defined) == set(COMMANDS)
    for name, (module, command) in defined.items():
        registered_module, _attribute, short_help = COMMANDS[name]
        assert registered_module == module
        assert load_command(name) is command
        assert short_help == command.get_short_help_str(limit=200), name


@pytest.mark.parametrize("heavy", ["pandas", "sklearn", "igraph", "neo4j", "networkx", "fastapi"])
def test_help_and_stats_import_no_heavy_module(heavy, tmp_path):
    code = (
        "import sys\n"
        "from api.cli import main\n"
        "sys.argv = ['innonet', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"assert {heavy!r} not in sys.modules, sorted(m for m in sys.modules if m.startswith({heavy!r}))\n"
    )
    for args in (["--help"], ["stats"]):
        run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                             env={"INNONET_DB": str(tmp_path / "s.db"), "PATH": "/usr/bin:/bin"})
        assert run.returncode == 0, run.stderr


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2 and "No such command" in result.output
