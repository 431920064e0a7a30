"""The analyst notebooks: stripped in git, free of logic of their own, and run top to bottom on a demo store.

Every notebook in ``notebooks/`` is executed with nbclient (kernel ``python3``) against one
fresh ``test``-scale demo store built once per session into a temporary directory
(``INNONET_DB`` in the kernel's environment, ``NEO4J_*`` removed), with the kernel's working
directory in a temporary folder so the files the notebooks write never land in the repository.
A cell that raises fails the test with its traceback; so does any text on stderr (a matplotlib
"Glyph … missing from font" warning, a deprecation warning …).
"""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from PIL import Image

from api.render.notebook import call_in_thread, map_frame, open_notebook_store, setup_matplotlib, store_summary
from graph.errors import NotFoundError
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

#: notebook → files it must write into its working directory, and the least number of charts it draws
EXPECTED: dict[str, tuple[tuple[str, ...], int]] = {
    "01_生态总览_ecosystem.ipynb": (("outputs/竹海_ecosystem.html",), 6),
    "02_合作缺口_gaps.ipynb": (("outputs/缺口清单_gaps.xlsx",), 5),
    "03_产学研配对_pairing.ipynb": (("outputs/对接结果登记_outcomes.xlsx",), 2),
    "04_活动地图_events.ipynb": (("outputs/对接日程_schedule.xlsx", "outputs/活动地图_event.html",
                                "outputs/活动海报_poster.png", "outputs/活动海报_poster.pdf"), 1),
}


def _strip_module() -> Any:
    spec = importlib.util.spec_from_file_location("strip_notebooks", Path(__file__).with_name("strip_notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def test_the_four_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == sorted(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    found = _strip_module().problems(nb)
    assert not found, f"{path.name} has outputs; run `python tests/strip_notebooks.py {path}`: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_logic_of_its_own(path: Path) -> None:
    """Code cells call the packages, select rows and plot: no function or class definitions."""
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for source in _code(nb):
        tree = ast.parse(source)
        defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                ast.ClassDef, ast.Lambda))]
        assert not defined, f"{path.name} defines its own logic in:\n{source}"
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "行动" in text and "action" in text  # read for the 12 actions, in Chinese and English


def test_strip_script_strips_and_checks(tmp_path: Path) -> None:
    module = _strip_module()
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x")]
    nb.cells[2].execution_count = 1
    nb.metadata["widgets"] = {}
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert module.main(["--check", str(path)]) == 1
    assert module.main([str(path)]) == 0
    assert module.main(["--check", str(path)]) == 0
    assert module.problems(nbformat.read(path, as_version=4)) == []


# ---- the helper module -----------------------------------------------------------------------

def test_open_notebook_store_builds_the_demo_into_an_empty_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    store = open_notebook_store(Settings(innonet_db=str(db), neo4j_uri=None), demo_dir=tmp_path / "demo",
                                scale="test")
    try:
        counts = store_summary(store).set_index("name")["count"]
        assert counts["Enterprise"] == 300 and counts["COLLABORATES_WITH"] > 0
        assert (tmp_path / "demo" / "01_创新主体名录.xlsx").is_file()
    finally:
        store.close()
    again = open_notebook_store(Settings(innonet_db=str(db), neo4j_uri=None), demo_dir=tmp_path / "other")
    try:  # a store with data is opened as it is, never rebuilt
        assert not (tmp_path / "other").exists()
        assert again.counts()["nodes"]["Enterprise"] == 300
    finally:
        again.close()


def test_setup_matplotlib_uses_the_cjk_font_and_names_a_missing_one() -> None:
    import matplotlib

    with matplotlib.rc_context():  # leave the other tests' settings alone
        assert "NotoSansCJK" in setup_matplotlib()
        assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
        with pytest.raises(NotFoundError, match="No Such Font 无此字体"):
            setup_matplotlib("No Such Font 无此字体")


def test_map_frame_keeps_the_page_inert_in_its_srcdoc() -> None:
    frame = map_frame('<p title="x">竹海</p><script>alert("</iframe><b>")</script>', height=300).data
    assert frame.count("<iframe") == 1 and frame.count("</iframe>") == 1
    assert 'sandbox="allow-scripts"' in frame and "height:300px" in frame
    assert "&lt;script&gt;alert(&quot;&lt;/iframe&gt;" in frame


def test_call_in_thread_returns_and_raises() -> None:
    assert call_in_thread(sorted, [2, 1]) == [1, 2]
    with pytest.raises(ZeroDivisionError):
        call_in_thread(divmod, 1, 0)


# ---- executing the notebooks -----------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh test-scale demo store for every notebook of the session."""
    from ingest.demo import load_demo

    folder = tmp_path_factory.mktemp("notebook-demo")
    db = folder / "demo.db"
    store = SQLiteStore(db)
    try:
        load_demo(store, folder / "files", scale="test", seed=2023)
    finally:
        store.close()
    return db


def _kernel_env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_") and k != "MPLBACKEND"}
    env["INNONET_DB"] = str(db)
    return env


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path: Path, demo_db: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute(env=_kernel_env(demo_db))
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    finally:
        nbformat.write(nb, tmp_path / path.name)  # the executed copy, for a look when it fails

    stderr = [(cell.source.splitlines()[0], out.text) for cell in nb.cells if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]
    assert not stderr, f"{path.name} wrote to stderr (warnings count as failures): {stderr}"
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    charts = [out for out in outputs if "image/png" in out.get("data", {})]
    files, least_charts = EXPECTED[path.name]
    assert len(charts) >= least_charts, f"{path.name} drew {len(charts)} charts"
    text = "".join(out.get("text", "") + out.get("data", {}).get("text/plain", "") for out in outputs)
    assert str(demo_db) in text  # it opened the configured store, not a demo of its own
    assert not (tmp_path / "innonet_demo").exists()
    for name in files:
        assert (tmp_path / name).stat().st_size > 1000, f"{path.name} did not write {name}"
    maps = [out for out in outputs if "innonet-map" in out.get("data", {}).get("text/html", "")]
    if any(name.endswith(".html") for name in files):
        assert maps, f"{path.name} does not show its map inline"
        assert "vis.Network" in maps[0]["data"]["text/html"]
    posters = [tmp_path / name for name in files if name.endswith(".png")]
    for poster in posters:
        with Image.open(poster) as image:
            assert image.size == (1587, 1123)
            low, high = image.convert("L").getextrema()
            assert high - low > 100, "the poster is blank"
