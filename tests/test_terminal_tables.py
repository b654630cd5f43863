"""Tables on a real terminal (a pty) at 80, 100 and 160 columns: no line wider than the
terminal, nothing cropped (no "…"), every name and number whole. Golden files at 80 and 100
columns: ``pytest tests/test_terminal_tables.py --update-goldens`` rewrites them (their numbers
move with the model)."""

from __future__ import annotations

import re

import pytest
from conftest import run_cli
from goldens import check_golden
from rich.cells import cell_len
from terminal import in_terminal

FLAGSHIP = "scenarios/pixar-film-tracker.yaml"
SHORT = ("--set", "duration=2d")
VARY = (
    "--vary",
    "apps/*/tasks/*refresh/submit/when=[app_launch],[app_background]",
    "--vary",
    "apps/*/tasks/*refresh/earliest_begin=15m,1h,2h",
)
COMMANDS = {
    "compare": ("compare", FLAGSHIP, *SHORT, *VARY),
    "fleet": (
        "fleet",
        FLAGSHIP,
        *SHORT,
        "--devices",
        "3",
        "--jobs",
        "1",
        "--vary",
        "apps/*/tasks/*refresh/submit/when=[app_launch],[app_background]",
    ),
    "profiles": ("profiles",),
    "trace-show": ("trace", "show", "traces/commuter-week.csv"),
    "lint": (
        "lint",
        "scenarios/pitfalls/never-completes.yaml",
        "scenarios/pitfalls/submit-on-every-launch.yaml",
    ),
    "help": ("--help",),
    "compare-help": ("compare", "--help"),
    "run-help": ("run", "--help"),
}
WIDTHS = (80, 100, 160)  # goldens at 80 and 100
CASES = [(name, w) for name in COMMANDS for w in WIDTHS]


def _check_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= width, f"wider than {width}: {line!r}"
    assert "…" not in text, "something was cropped"


@pytest.mark.parametrize("name,width", CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_tables_fit_the_terminal_without_cutting(request, name, width):
    code, text = in_terminal(*COMMANDS[name], columns=width)
    assert code in (0, 1), text
    _check_fits(text, width)
    if name in ("compare", "fleet"):
        missing = sorted(c for c in _piped_cells(name) if c not in text)
        assert not missing, f"cut or missing: {missing[:10]}"
    if width in (80, 100):
        check_golden(request, f"terminal/{name}-{width}.txt", text)


_PIPED: dict[str, set[str]] = {}
_HEADERS = {"target", "metric", "variant", "expectation"}  # a per-target layout has no such column


def _piped_cells(name: str) -> set[str]:
    """Every name and number of the piped (plain) table: what the terminal must show whole.
    Plain columns are separated by two or more spaces."""
    if name not in _PIPED:
        code, plain, err = run_cli(*COMMANDS[name])
        assert code == 0, err
        tables = plain.split("\n\n")[0] if name == "compare" else plain.split("\n\n", 1)[1]
        _PIPED[name] = {
            cell
            for line in tables.splitlines()
            for cell in re.split(r"\s{2,}", line.strip())
            if cell and not cell.endswith(":") and cell not in _HEADERS
        }
        assert len(_PIPED[name]) > 20
    return _PIPED[name]


@pytest.mark.parametrize("name", ["wait [s]", "energy [b]", "at :clock1:"])
def test_a_table_is_measured_as_it_is_printed(name):
    """Column names and cells are printed literally (no markup, no emoji codes), and measured
    the same way: a table one column too wide for the console leaves a column out."""
    import io

    from rich.text import Text

    from bgreplay.render.tables import Column, fitted_table
    from bgreplay.render.theme import make_console

    columns = [Column("task", 2, "left"), Column(name, 1)]
    rows = [[Text("io.example.refresh"), Text("12")]]

    def printed(width: int) -> tuple[str, str | None]:
        table = fitted_table("", columns, rows, width)
        out = io.StringIO()
        make_console(out, width=500, plain=True).print(table)
        return out.getvalue(), table.caption.plain if table.caption else None

    whole, caption = printed(500)
    assert name in whole and caption is None
    full = max(cell_len(line) for line in whole.splitlines())
    assert printed(full)[1] is None
    narrower, caption = printed(full - 1)
    assert caption is not None and name in caption and name not in narrower.splitlines()[0]
