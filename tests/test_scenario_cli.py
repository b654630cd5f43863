"""``bgreplay validate`` on broken scenarios: exit 2, ``file:line:column``, no traceback.

Each report must fit one screen. One test per SPEC §4.1 rule, plus the mistakes people make most
(typos, units, YAML syntax). The expected positions are counted by hand from the texts below
(line 1 = ``bgreplay: 1``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BASE = """\
bgreplay: 1
name: cli test
start: 2026-03-02T00:00
duration: 2d
timezone: Europe/Paris
device:
  ios: "26.1"
apps:
  io.x:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.x.refresh, io.x.work, io.x.export.*]
    tasks:
      io.x.refresh:
        type: refresh
        earliest_begin: 1h
        handler: {duration: 5s, success_rate: 0.9, memory_mb: 30}
      io.x.work:
        type: processing
        requires_external_power: true
"""
EXPORT = """\
      io.x.export.hd:
        type: continued_processing
        submit: {when: [user_action]}
"""
REFRESH_EB = "        earliest_begin: 1h\n"


def edit(*pairs: tuple[str, str], add: str = "") -> str:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + add


def validate(tmp_path: Path, run_cli, text: str) -> str:
    (tmp_path / "scenario.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_cli("validate", "scenario.yaml", cwd=tmp_path)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert len(err.splitlines()) < 25, err
    return err


CASES = {
    # SPEC §4.1 — the format version, checked first
    "bgreplay missing": (edit(("bgreplay: 1\n", "")), "1:1", "missing the format version"),
    "bgreplay not 1": (edit(("bgreplay: 1", "bgreplay: 2")), "1:11", "unsupported format version"),
    # SPEC §4.1 — duration, time zone, start
    "duration too short": (
        edit(("duration: 2d", "duration: 30m")),
        "4:11",
        "duration 30m is outside 1h..400d",
    ),
    "duration too long": (edit(("duration: 2d", "duration: 401d")), "4:11", "outside 1h..400d"),
    "unknown time zone": (
        edit(("Europe/Paris", "Europe/Pariss")),
        "5:11",
        "unknown time zone 'Europe/Pariss' — did you mean 'Europe/Paris'?",
    ),
    "start unparsable": (
        edit(("start: 2026-03-02T00:00", "start: 2026-13-02T00:00")),
        "3:8",
        "not a valid date and time",
    ),
    # SPEC §4.1 — trace xor persona (persona on line 9, after trace on line 8)
    "trace and persona": (
        edit(('  ios: "26.1"\n', '  ios: "26.1"\n  trace: t.csv\n  persona: office_worker\n')),
        "9:3",
        "either device.trace or device.persona",
    ),
    # SPEC §4.1 — refresh requests have no network/power properties (line 16, after line 15)
    "requires_network on refresh": (
        edit((REFRESH_EB, REFRESH_EB + "        requires_network: true\n")),
        "16:9",
        "BGAppRefreshTaskRequest has no such property",
    ),
    "requires_external_power on refresh": (
        edit((REFRESH_EB, REFRESH_EB + "        requires_external_power: false\n")),
        "16:9",
        "BGAppRefreshTaskRequest has no such property",
    ),
    # SPEC §4.1 — continued processing: iOS 26, user action, wildcard identifier (F100, F101)
    "continued needs ios 26": (
        edit(('"26.1"', '"18.0"'), add=EXPORT),
        "21:15",
        "continued_processing needs iOS 26",
    ),
    "continued needs user_action": (
        edit(add=EXPORT.replace("[user_action]", "[app_background]")),
        "22:24",
        "submitted from a person's action",
    ),
    "continued needs a wildcard": (
        edit((", io.x.export.*]", "]"), add=EXPORT),
        "20:7",
        "wildcard permitted identifier",
    ),
    # SPEC §4.1 — health research needs iOS 17 (F96)
    "health research needs ios 17": (
        edit(('"26.1"', '"16.4"'), add="      io.x.study: {type: health_research}\n"),
        "20:26",
        "health_research needs iOS 17",
    ),
    # SPEC §4.1 — positive durations, probabilities in [0, 1], memory above 0 (all on line 16)
    "duration must be positive": (
        edit(("duration: 5s", "duration: 0s")),
        "16:29",
        "must be positive",
    ),
    "probability above 1": (
        edit(("success_rate: 0.9", "success_rate: 1.5")),
        "16:47",
        "1.5 is outside 0..1",
    ),
    "memory not above 0": (
        edit(("memory_mb: 30", "memory_mb: 0")),
        "16:63",
        "expected a number above 0, got 0",
    ),
    # common mistakes
    "typo in a key": (
        edit(("earliest_begin:", "earliest_begn:")),
        "15:9",
        "unknown key 'earliest_begn' — did you mean 'earliest_begin'?",
    ),
    "duration without unit": (
        edit(("earliest_begin: 1h", "earliest_begin: 90")),
        "15:25",
        "90 has no unit",
    ),
    "broken yaml": (
        edit(("name: cli test", "name: cli: test")),
        "2:10",
        "YAML syntax error: mapping values are not allowed",
    ),
    "duplicate key": (
        edit(add="duration: 3d\n"),
        "20:1",
        "duplicate key 'duration' (first written at line 4)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_scenario_is_reported_at_its_place(tmp_path: Path, run_cli, case: str) -> None:
    text, where, words = CASES[case]
    (tmp_path / "t.csv").write_text("start,end,kind,value,subject\n")
    err = validate(tmp_path, run_cli, text)
    assert f"scenario.yaml:{where}: error" in err, err
    assert words in err, err
    assert "fix:" in err


def test_alias_bomb_is_refused_quickly(tmp_path: Path, run_cli) -> None:
    lines = ["bgreplay: 1", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    err = validate(tmp_path, run_cli, "\n".join(lines) + "\n")
    # a5 (line 7, anchor at column 5) is the first value whose expansion passes 200,000
    assert "scenario.yaml:7:5: error: the document expands to more than 200,000 values" in err


def test_several_problems_are_listed_together_in_file_order(tmp_path: Path, run_cli) -> None:
    text = edit(
        ("Europe/Paris", "Europe/Pariss"),
        ("earliest_begin:", "earliest_begn:"),
        ("memory_mb: 30", "memory_mb: 0"),
    )
    err = validate(tmp_path, run_cli, text)
    places = [line.split(": error")[0] for line in err.splitlines() if ": error" in line]
    assert places == ["scenario.yaml:5:11", "scenario.yaml:15:9", "scenario.yaml:16:63"]


@pytest.mark.skipif(
    importlib.util.find_spec("bgreplay.trace.build") is None,
    reason="the trace loader has not landed yet",
)
def test_a_valid_scenario_passes(tmp_path: Path, run_cli) -> None:
    (tmp_path / "scenario.yaml").write_text(BASE)
    code, out, err = run_cli("validate", "scenario.yaml", cwd=tmp_path)
    assert (code, out.strip(), err) == (0, "ok  scenario.yaml", "")
