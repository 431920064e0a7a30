"""The synthetic Yixing world: bureau files generated as towns send them (with their dirt), and loaded through
the normal ingest path.  Kept apart from the readers (an import-linter contract forbids ``ingest.read``,
``fields``, ``normalise``, ``pipeline`` and ``resolve`` to import it); the generator is :mod:`ingest.demo.world`.

The files it writes simulate *input* — the bureau's own spreadsheets, title rows and all — so they are written
with pandas directly, not with the project's output writer (:mod:`api.render.writer`).
"""

from ingest.demo.world import (
    FILE_NAMES,
    INDUSTRIES,
    INSTITUTES,
    SCALES,
    TOPICS,
    TOWNS,
    YEARS,
    Scale,
    generate,
    load_demo,
)

__all__ = ["FILE_NAMES", "INDUSTRIES", "INSTITUTES", "SCALES", "TOPICS", "TOWNS", "YEARS", "Scale", "generate",
           "load_demo"]
