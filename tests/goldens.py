"""Golden files for rendered output: ``tests/cases/<case>/<file>``, plain text at width 100.

``pytest --update-goldens`` rewrites them instead of comparing (the option is registered when
this module is loaded as a plugin: ``pytest_plugins = ["goldens"]`` in ``tests/conftest.py``,
or ``pytest -p goldens``). ``BGREPLAY_UPDATE_GOLDENS=1`` does the same without the plugin.
Review the diff of a rewritten golden like any other change.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the golden files under tests/cases/ instead of comparing",
    )


def updating(config: pytest.Config) -> bool:
    return (
        bool(config.getoption("--update-goldens", default=False))
        or os.environ.get("BGREPLAY_UPDATE_GOLDENS") == "1"
    )


def check_golden(request: pytest.FixtureRequest, relpath: str, actual: str) -> None:
    """Compare ``actual`` with ``tests/cases/<relpath>``, or rewrite it when updating."""
    path = CASES / relpath
    if updating(request.config):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"missing golden file {path}; run pytest --update-goldens to create it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{relpath} (golden)",
                tofile=f"{relpath} (rendered)",
                n=2,
            )
        )
        pytest.fail(
            f"rendered output differs from {relpath} "
            f"(pytest --update-goldens rewrites it):\n{diff}",
            pytrace=False,
        )
