"""Strip outputs and execution counts from notebooks before committing them.

Usage::

    python tests/strip_notebooks.py notebooks/*.ipynb          # strip in place
    python tests/strip_notebooks.py --check notebooks/*.ipynb  # exit 1 and list what is not stripped

``tests/test_notebooks.py`` runs the check on every committed notebook.

>>> from nbformat.v4 import new_code_cell, new_notebook, new_output
>>> nb = new_notebook(cells=[new_code_cell("1 + 1", execution_count=3,
...                                        outputs=[new_output("execute_result", {"text/plain": "2"})])])
>>> problems(nb)
['cell 0: 1 output(s)', 'cell 0: execution_count 3']
>>> strip(nb), problems(nb)
(True, [])
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

__all__ = ["main", "problems", "strip"]

#: Notebook-level metadata written by Jupyter front ends that does not belong in git.
_VOLATILE_METADATA = ("widgets", "execution", "papermill")


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What keeps ``nb`` from being stripped: outputs, execution counts, volatile metadata."""
    found = [f"metadata: {key}" for key in _VOLATILE_METADATA if key in nb.metadata]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index}: {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index}: execution_count {cell.execution_count}")
        if "execution" in cell.get("metadata", {}):
            found.append(f"cell {index}: execution timing metadata")
    return found


def strip(nb: nbformat.NotebookNode) -> bool:
    """Remove outputs, execution counts and volatile metadata in place; True when anything changed."""
    changed = bool(problems(nb))
    for key in _VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: strip (or ``--check``) the notebooks given; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 when a notebook is not stripped")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.paths:
        nb = nbformat.read(path, as_version=4)
        if args.check:
            for problem in problems(nb):
                print(f"{path}: {problem}")
                status = 1
        elif strip(nb):
            nbformat.write(nb, path)
            print(f"stripped {path}")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
