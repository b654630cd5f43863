"""Shared test helpers: write a scenario file, run the CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["goldens"]

# Property tests draw the same examples on every run and every xdist worker (a fixed CI cost and
# reproducible failures); `make fuzz` explores beyond them. BGREPLAY_HYPOTHESIS=explore draws
# fresh examples instead.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("BGREPLAY_HYPOTHESIS", "ci"))


def _import_the_whole_package() -> None:
    """Hypothesis draws some values from the constants of every local module imported so far, so
    a module imported lazily by one test would change the examples of the property tests after
    it. With the whole package imported first, each test draws the same examples in any order,
    on any worker."""
    import importlib
    import pkgutil

    import bgreplay

    for module in pkgutil.walk_packages(bgreplay.__path__, "bgreplay."):
        if not module.name.startswith(("bgreplay._cengine", "bgreplay.__main__")):
            importlib.import_module(module.name)


_import_the_whole_package()

ROOT = Path(__file__).resolve().parents[1]


def write_scenario(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    """Write ``text`` (dedented) to ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """``python -m bgreplay ARGS`` → (exit code, stdout, stderr), no colour, 100 columns."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(name="write_scenario")
def _write_scenario(tmp_path: Path) -> Callable[..., Path]:
    return lambda text, name="scenario.yaml": write_scenario(tmp_path, text, name)


@pytest.fixture(name="run_cli")
def _run_cli() -> Callable[..., tuple[int, str, str]]:
    return run_cli
