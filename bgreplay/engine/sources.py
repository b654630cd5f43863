"""Which engine modules the optional compiled engine is built from, and their digest.

Shared by the build (``setup.py``) and ``bgreplay.engine.select``, which uses the compiled
engine only while its digest is that of the current sources. Imports nothing from bgreplay, so
the build can read it before bgreplay is installed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

COMPILED_DIR = "bgreplay/_cengine"
# Modules of the engine that stay pure Python in both builds: its output records, the profile
# registry, the parameter recorder (an attribute hook), and these bookkeeping modules.
SHARED = frozenset(
    {"__init__.py", "records.py", "profiles.py", "recording.py", "sources.py", "select.py"}
)


def compiled_sources(engine: Path) -> list[Path]:
    """The engine's source files that the compiled engine is built from, in a fixed order."""
    files = sorted(p for p in engine.glob("*.py") if p.name not in SHARED)
    return files + sorted((engine / "policies").glob("*.py"))


def source_digest(engine: Path) -> str:
    h = hashlib.sha256()
    for path in compiled_sources(engine):
        h.update(path.relative_to(engine).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:32]
