"""Every command has --help, and its help ends with an example (SPEC §3)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from bgreplay.cli.app import app


def _commands(group, prefix=()):
    command = typer.main.get_command(group) if isinstance(group, typer.Typer) else group
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "commands", None):
            yield from _commands(sub, (*prefix, name))
        else:
            yield (*prefix, name)


def test_every_command_documents_an_example():
    names = list(_commands(app))
    assert {
        ("run",),
        ("check",),
        ("compare",),
        ("explain",),
        ("lint",),
        ("validate",),
        ("profiles",),
        ("personas",),
        ("schema",),
    } <= set(names)
    runner = CliRunner()
    for name in names:
        result = runner.invoke(app, [*name, "--help"], prog_name="bgreplay")
        assert result.exit_code == 0, (name, result.output)
        assert "Example" in result.output, name


def test_help_works_from_the_shell(run_cli):
    code, out, err = run_cli("--help")
    assert code == 0, err
    assert "schema" in out and "Usage: bgreplay" in out
