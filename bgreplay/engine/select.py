"""Which engine replays: the compiled one (mypyc) when it was built from the engine's current
sources, else the pure-Python one.

``BGREPLAY_PURE_PYTHON=1`` asks for the pure-Python engine. A compiled engine built from other
sources (the engine edited since ``pip install -e .``) is never used: it would replay code that
no longer exists. A replay that records the parameters it reads runs pure Python (the recorder
is an attribute hook the compiled classes do not allow).
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path
from types import ModuleType

from bgreplay.engine.sources import source_digest

ENGINE_DIR = Path(__file__).resolve().parent


@cache
def compiled() -> ModuleType | None:
    """The compiled engine's ``replay`` module, when it is there, fresh and wanted."""
    if os.environ.get("BGREPLAY_PURE_PYTHON"):
        return None
    try:
        built = importlib.import_module("bgreplay._cengine.digest")
        if getattr(built, "SOURCE_DIGEST", None) != source_digest(ENGINE_DIR):
            return None
        return importlib.import_module("bgreplay._cengine.replay")
    except ImportError:  # not built, or built for another Python
        return None


def engine_module(*, record_params: bool = False) -> ModuleType:
    """The ``replay`` module to replay with."""
    fast = None if record_params else compiled()
    if fast is not None:
        return fast
    from bgreplay.engine import replay

    return replay


def engine_name() -> str:
    """``compiled (mypyc)`` or ``pure Python``, as ``bgreplay --version`` says it."""
    if compiled() is not None:
        return "compiled (mypyc)"
    stale = (ENGINE_DIR.parent / "_cengine").is_dir() and not os.environ.get("BGREPLAY_PURE_PYTHON")
    return "pure Python (the compiled engine is out of date)" if stale else "pure Python"
