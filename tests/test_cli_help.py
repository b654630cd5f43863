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


def test_a_command_reads_its_line_as_the_whole_app_would():
    """The program builds only the command a line names; what it prints is the same as with
    every command built: help, a usage error, options before the command."""
    from bgreplay.cli.app import _app_for

    runner = CliRunner()
    lines = [
        *([*name, "--help"] for name in _commands(app)),
        ["run"],
        ["--debug", "fleet", "--no-such-option"],
        ["trace", "import"],
        ["trace", "nope"],
    ]
    for line in lines:
        chosen = _app_for(line)
        named = next(word for word in line if not word.startswith("-"))
        assert set(typer.main.get_command(chosen).commands) == {named}
        whole = runner.invoke(app, line, prog_name="bgreplay")
        one = runner.invoke(chosen, line, prog_name="bgreplay")
        assert (one.exit_code, one.output) == (whole.exit_code, whole.output), line


def test_an_unknown_command_is_told_apart_by_the_whole_app():
    from bgreplay.cli.app import _app_for

    for line in (["rn"], [], ["--help"], ["--version"]):
        assert _app_for(line) is app
