"""``bgreplay trace generate``, ``trace show`` and ``personas`` end to end (subprocess)."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from bgreplay.cli.app import main


@pytest.fixture(name="cli")
def _cli(monkeypatch, capsys):
    """In-process ``bgreplay ARGS`` -> (exit code, stdout, stderr), 100 columns, no colour."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


GENERATE = [
    "trace",
    "generate",
    "--persona",
    "office_worker",
    "--days",
    "3",
    "--start",
    "2026-03-02T00:00",
    "--timezone",
    "Europe/Paris",
    "--app",
    "io.cocoabytes.filmtracker",
    "--app",
    "io.example.news:4",
]


def test_generate_is_byte_identical_and_atomic(tmp_path) -> None:
    outputs = {}
    for name, seed in (("a.csv", "3"), ("b.csv", "3"), ("a.parquet", "3")):
        code, _, err = run_cli(*GENERATE, "--seed", seed, "-o", str(tmp_path / name))
        assert code == 0, err
        assert "wrote" in err
        outputs[name] = (tmp_path / name).read_bytes()
    assert outputs["a.csv"] == outputs["b.csv"]  # other seeds, Parquet: test_personas_stats
    assert outputs["a.csv"].startswith(b"start,end,kind,value,subject\n2026-03-02T00:00:00+01:00,")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(outputs)  # no temporaries

    code, out, err = run_cli("trace", "show", str(tmp_path / "a.csv"), "--format", "json")
    assert code == 0, err
    days = json.loads(out)
    assert [d["date"] for d in days] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert all(d["unlocks"] > 0 and 0 <= d["wifi_share"] <= 1 for d in days)
    code, out, _ = run_cli("trace", "show", str(tmp_path / "a.parquet"))
    assert code == 0 and "2026-03-04" in out and "wifi" in out


def test_bad_options_exit_2_with_a_fix_and_no_traceback(tmp_path) -> None:
    code, _, err = run_cli(
        "trace",
        "generate",
        "--persona",
        "ofice_worker",
        "--app",
        "io.x:abc",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert code == 2 and "did you mean 'office_worker'" in err and "Traceback" not in err
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end,kind,value,subject\n2026-03-02T25:00,,boot,,\n")
    code, _, err = run_cli("trace", "show", str(bad))
    assert code == 2 and "bad.csv:2" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_personas_lists_parameters_with_sources(cli) -> None:
    code, out, err = cli("personas")
    assert code == 0, err
    for name in (
        "office_worker",
        "heavy_user",
        "light_user",
        "shift_worker",
        "traveller",
        "never_opens",
        "T§3.1",
        "T§3.5",
        "night_charge_p",
    ):
        assert name in out
    code, out, _ = cli("personas", "--format", "json")
    doc = json.loads(out)
    assert set(doc) == {
        "office_worker",
        "heavy_user",
        "light_user",
        "shift_worker",
        "traveller",
        "never_opens",
    }
    param = doc["office_worker"]["parameters"]["sessions_median"]
    assert param["value"] == 70.0 and "T§3.1" in param["source"]
    code, out, _ = cli("personas", "traveller")
    assert code == 0 and "trip_p" in out and "meaning" in out
    code, _, err = cli("personas", "nobody")
    assert code == 2 and "unknown persona" in err


def test_every_trace_command_has_an_example(cli) -> None:
    for args in (
        ["trace", "generate"],
        ["trace", "show"],
        ["trace", "import", "knowledgec"],
        ["trace", "import", "powerlog"],
        ["personas"],
    ):
        code, out, _ = cli(*args, "--help")
        assert code == 0 and "Example:" in out, args
