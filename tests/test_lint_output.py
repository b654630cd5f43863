"""How ``bgreplay lint`` renders findings: plain lines, colour only on request, JSON rows."""

from __future__ import annotations

import json

import pytest

from bgreplay.cli import lint as cli
from bgreplay.errors import Location
from bgreplay.scenario.lint import Finding

FINDINGS = [
    Finding(
        "BGR005",
        "warning",
        Location("a.yaml", 12, 9),
        "submitted on every [launch]",
        "submit on app_background",
    ),
    Finding("BGR001", "error", Location("a.yaml", 20, 7), "not permitted", "add it"),
]


def test_plain_text(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_use_colour", lambda: False)
    cli._print_text([("a.yaml", FINDINGS), ("b.yaml", [])])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "a.yaml:12:9  BGR005 warning  submitted on every [launch] \u2014 submit on app_background"
    )
    assert out[1] == "a.yaml:20:7  BGR001 error  not permitted \u2014 add it"
    assert "b.yaml: no findings" in out
    assert out[-1] == "2 findings in 2 files: 1 error, 1 warning, 0 info"


def test_colour_only_when_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_use_colour", lambda: True)
    cli._print_text([("a.yaml", FINDINGS)])
    out = capsys.readouterr().out
    assert "\x1b[" in out
    assert "[launch]" in out  # user text is escaped, not read as markup


def test_no_color_disables_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._use_colour() is False


def test_json_rows() -> None:
    rows = json.loads(cli._as_json([("a.yaml", FINDINGS)]))
    assert rows[1] == {
        "file": "a.yaml",
        "line": 20,
        "column": 7,
        "rule": "BGR001",
        "severity": "error",
        "message": "not permitted",
        "advice": "add it",
    }
