"""Every command has --help, and its help ends with an example (SPEC §3)."""

from __future__ import annotations

import typer

from bgreplay.cli.app import app


def _commands(group, prefix=()):
    command = typer.main.get_command(group) if isinstance(group, typer.Typer) else group
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "commands", None):
            yield from _commands(sub, (*prefix, name))
        else:
            yield (*prefix, name)


def test_every_command_documents_an_example(run_cli):
    names = list(_commands(app))
    assert {("run",), ("check",), ("compare",), ("explain",), ("lint",), ("validate",),
            ("profiles",), ("personas",)} <= set(names)
    for name in names:
        code, out, err = run_cli(*name, "--help")
        assert code == 0, (name, err)
        assert "Example" in out, name
