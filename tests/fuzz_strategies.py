"""Hypothesis strategies over the fuzz mutators in ``fuzz/`` (shared with ``python -m fuzz``).

The mutators take their choices from a ``Draw``; here a ``Draw`` reads hypothesis data, so a
failing case shrinks to few, small mutations. ``check_case`` runs one case in-process and
asserts the oracle of ``fuzz.cases.judge``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # ``fuzz`` is a top-level package of the repository
    sys.path.insert(0, str(ROOT))

from fuzz.cases import Case, inside, judge, make_case, run_in_process, write_files  # noqa: E402

T = TypeVar("T")
CASE_SECONDS = 10.0  # "never more than a few seconds": the longest legitimate case is ~2 s

_BASE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def budget(examples: int) -> settings:
    """Hypothesis settings for a fuzz test: ``examples`` cases, no deadline, reproducible.
    The fuzz share of the normal suite stays well under a minute (``make fuzz`` goes long)."""
    return settings(_BASE, max_examples=examples)


class HypothesisDraw:
    """A ``fuzz.draw.Draw`` backed by hypothesis data."""

    def __init__(self, data: st.DataObject):
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def choice(self, items: Sequence[T]) -> T:
        return items[self.data.draw(st.integers(0, len(items) - 1))]


def check_case(data: st.DataObject, family: str) -> Case:
    """Build one case of ``family`` from hypothesis data, run it, assert the oracle."""
    with tempfile.TemporaryDirectory(prefix="bgreplay-fuzz-") as name:
        folder = Path(name)
        case = make_case(HypothesisDraw(data), folder, family)
        write_files(case, folder)
        with inside(folder):
            outcome = run_in_process(case.argv, timeout=3 * CASE_SECONDS)
            problems = judge(case, outcome, folder, CASE_SECONDS)
        assert not problems, (
            f"{case.describe()}\n{problems}\nexit {outcome.code}\nstderr:\n{outcome.stderr[-2000:]}"
            + "".join(
                f"\n--- {n}:\n{d[:3000]!r}"
                for n, d in case.files.items()
                if n.endswith((".yaml", ".yml", ".csv")) or n == "s"
            )
        )
        return case
