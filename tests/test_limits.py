"""Every input limit gives a clear error (exit 2) instead of a long run or a memory blow-up, and
``docs/limits.md`` shows exactly the message a user sees (each case's stderr appears there
verbatim). At the limit itself the input is accepted."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from fuzz_strategies import ROOT

from bgreplay.scenario import limits
from fuzz.cases import inside, run_in_process
from fuzz.outside import aggressive_scenario, sqlite_gzip_bomb

DOC = ROOT / "docs" / "limits.md"
HEAD = "bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 7d\n"


def _apps(n_apps: int, tasks_each: int = 0, rate: float | None = None) -> str:
    lines = ["apps:"]
    for a in range(n_apps):
        lines.append(f"  io.a{a}:")
        if rate is not None:
            lines.append(f"    content: {{changes_per_hour: {rate:g}}}")
        if tasks_each:
            ids = ", ".join(f"io.a{a}.t{t}" for t in range(tasks_each))
            lines.append(f"    permitted_identifiers: [{ids}]")
            lines.append("    tasks:")
            lines += [f"      io.a{a}.t{t}: {{type: refresh}}" for t in range(tasks_each)]
    return "\n".join(lines) + "\n"


def _variants(n: int) -> str:
    return "variants:\n" + "".join(f"  v{i}: {{seed: {i}}}\n" for i in range(n))


def _daily(n: int, days: str = "400d") -> str:
    entries = "".join(
        f'      - {{screen: "{i // 60 % 24:02d}:{i % 60:02d}", for: 1s}}\n' for i in range(n)
    )
    return (
        f"bgreplay: 1\nstart: 2026-03-02T00:00\nduration: {days}\n"
        f"device:\n  timeline:\n    daily:\n{entries}"
    )


def _parquet_rows(n: int) -> bytes:
    frame = pl.DataFrame(
        {
            "start": ["2026-03-02T08:00"] * n,
            "end": [None] * n,
            "kind": ["battery"] * n,
            "value": ["50"] * n,
            "subject": [None] * n,
        },
        schema=dict.fromkeys(("start", "end", "kind", "value", "subject"), pl.String),
    )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def _gzip_bomb(pages: int) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        sqlite_gzip_bomb(Path(folder) / "k.gz", pages, 0)
        return (Path(folder) / "k.gz").read_bytes()


def _trace_scenario(name: str) -> str:
    return f"bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 7d\ndevice:\n  trace: {name}\n"


# name -> (files, argv): each exceeds its limit by a little
CASES: dict[str, tuple[Callable[[], dict[str, bytes | str]], list[str]]] = {
    "file size": (
        lambda: {"scenario.yaml": HEAD + "description: " + "x" * limits.MAX_BYTES},
        ["validate", "scenario.yaml"],
    ),
    "expanded values": (
        lambda: {
            "scenario.yaml": HEAD
            + "x: &a ["
            + ", ".join(["1"] * 1000)
            + "]\ny: ["
            + ", ".join(["*a"] * 200)
            + "]\n"
        },
        ["validate", "scenario.yaml"],
    ),
    "nesting": (
        lambda: {"scenario.yaml": HEAD + "x: " + "[" * 101 + "]" * 101 + "\n"},
        ["validate", "scenario.yaml"],
    ),
    "duration": (
        lambda: {"scenario.yaml": HEAD.replace("7d", "401d")},
        ["validate", "scenario.yaml"],
    ),
    "any duration": (
        lambda: {
            "scenario.yaml": HEAD + "apps:\n  io.x:\n    tasks:\n      "
            "io.x.refresh: {type: refresh, earliest_begin: 3651d}\n"
        },
        ["validate", "scenario.yaml"],
    ),
    "apps": (
        lambda: {"scenario.yaml": HEAD + _apps(limits.MAX_APPS + 1)},
        ["validate", "scenario.yaml"],
    ),
    "tasks": (lambda: {"scenario.yaml": HEAD + _apps(3, 67)}, ["validate", "scenario.yaml"]),
    "variants": (
        lambda: {"scenario.yaml": HEAD + _variants(limits.MAX_VARIANTS + 1)},
        ["validate", "scenario.yaml"],
    ),
    "changes per hour": (
        lambda: {"scenario.yaml": HEAD + _apps(1, rate=61)},
        ["validate", "scenario.yaml"],
    ),
    "content changes": (
        lambda: {"scenario.yaml": HEAD.replace("7d", "400d") + _apps(2, rate=60)},
        ["validate", "scenario.yaml"],
    ),
    "trace rows": (
        lambda: {"trace.parquet": _parquet_rows(limits.MAX_TRACE_ROWS + 1)},
        ["validate", "trace.parquet"],
    ),
    "inline rows": (lambda: {"scenario.yaml": _daily(2_500)}, ["validate", "scenario.yaml"]),
    "trace generate days": (
        lambda: {},
        ["trace", "generate", "--persona", "office_worker", "--days", "401", "-o", "week.csv"],
    ),
    "trace columns": (
        lambda: {"trace.csv": ",".join(f"c{i}" for i in range(40)) + "\n"},
        ["validate", "trace.csv"],
    ),
    "trace lines": (
        lambda: {"lines.csv": "start,end,kind,value,subject\n" + ",,,,\n" * 1_000_001},
        ["validate", "lines.csv"],
    ),
    "trace cell": (
        lambda: {
            "cell.csv": "start,end,kind,value,subject\n2026-03-02T08:00,"
            "2026-03-02T09:00,app,,io.x" + "x" * 300 + "\n"
        },
        ["validate", "cell.csv"],
    ),
    "trace text": (
        lambda: {
            "trace.parquet": (ROOT / "tests" / "data" / "decodes-to-8gb.parquet").read_bytes()
        },
        ["validate", "trace.parquet"],
    ),
    "database size": (
        lambda: {"knowledgeC.db.gz": _gzip_bomb(600_000)},
        ["trace", "import", "knowledgec", "knowledgeC.db.gz", "-o", "device.csv"],
    ),
    "replay work": (
        lambda: {"scenario.yaml": aggressive_scenario(100, 100)},
        ["run", "-q", "scenario.yaml"],
    ),
}


def _run(tmp_path: Path, name: str) -> str:
    make, argv = CASES[name]
    for file, data in make().items():
        (tmp_path / file).write_bytes(data.encode() if isinstance(data, str) else data)
    with inside(tmp_path):
        outcome = run_in_process(argv, timeout=60)
    assert outcome.code == 2, outcome.stderr
    assert outcome.seconds < 10
    return outcome.stderr


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_each_limit_is_a_clear_error_shown_in_the_docs(tmp_path, name, doc):
    stderr = _run(tmp_path, name)
    assert stderr.strip() in doc, f"docs/limits.md does not show the {name} error:\n{stderr}"


def test_at_the_limits_the_scenario_loads(tmp_path):
    text = HEAD.replace("7d", "400d") + _apps(limits.MAX_APPS, rate=0.1) + _variants(3)
    (tmp_path / "apps.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "tasks.yaml").write_text(HEAD + _apps(2, 100, rate=60), encoding="utf-8")
    (tmp_path / "variants.yaml").write_text(HEAD + _variants(limits.MAX_VARIANTS), encoding="utf-8")
    with inside(tmp_path):
        for name in ("apps.yaml", "tasks.yaml", "variants.yaml"):
            outcome = run_in_process(["validate", name])
            assert outcome.code == 0, outcome.stderr


def test_at_the_row_limit_a_trace_loads(tmp_path, monkeypatch):
    """The row limit itself (lowered here: a million rows takes seconds to read)."""
    import bgreplay.trace.build as build
    import bgreplay.trace.inline as inline
    import bgreplay.trace.rawread as rawread

    for module in (rawread, build, inline):
        monkeypatch.setattr(module, "MAX_TRACE_ROWS", 1_000)
    (tmp_path / "ok.parquet").write_bytes(_parquet_rows(1_000))
    (tmp_path / "big.parquet").write_bytes(_parquet_rows(1_001))
    (tmp_path / "ok.csv").write_text(
        "start,end,kind,value,subject\n" + "2026-03-02T08:00,,battery,50,\n" * 1_000
    )
    (tmp_path / "big.csv").write_text(
        "start,end,kind,value,subject\n" + "2026-03-02T08:00,,battery,50,\n" * 1_001
    )
    (tmp_path / "two.yaml").write_text(
        _trace_scenario("ok.csv") + "  timeline:\n    events:\n"
        "      - {at: 2026-03-02T09:00, boot: true}\n"
    )
    (tmp_path / "daily.yaml").write_text(_daily(2, "400d"))  # 2 x 403 days of rows
    with inside(tmp_path):
        codes = {
            name: run_in_process(["validate", name]).code
            for name in ("ok.parquet", "big.parquet", "ok.csv", "big.csv", "two.yaml", "daily.yaml")
        }
    assert codes == {
        "ok.parquet": 0,
        "big.parquet": 2,
        "ok.csv": 0,
        "big.csv": 2,
        "two.yaml": 2,
        "daily.yaml": 0,
    }


def test_a_csv_trace_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    import bgreplay.trace.rawread as rawread

    monkeypatch.setattr(rawread, "MAX_TRACE_CSV_BYTES", 1_000)
    (tmp_path / "t.csv").write_text("start,end,kind,value,subject\n" + "x" * 2_000)
    with inside(tmp_path):
        outcome = run_in_process(["validate", "t.csv"])
    assert outcome.code == 2 and "CSV traces are limited to 0 MB" in outcome.stderr


def test_the_limits_table_names_every_constant(doc):
    for name in limits.__all__:
        assert f"`{name}`" in doc, f"docs/limits.md does not mention {name}"
