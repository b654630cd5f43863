"""One exit-code rule (SPEC §3): every command ends with an ``Outcome`` and only
``Outcome.exit_code`` turns it into a number; the commands are plain module-level functions."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from bgreplay.exitcodes import Outcome


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (Outcome(), 0),
        (Outcome(failures=3), 1),
        (Outcome(bad_input=True), 2),
        (Outcome(bad_input=True, failures=2), 2),
        (Outcome(internal_error=True, bad_input=True, failures=1), 3),
        (Outcome(stopped_by=signal.SIGINT, internal_error=True), 130),
        (Outcome(stopped_by=signal.SIGTERM), 143),
        (Outcome(stopped_by=1), 129),  # SIGHUP
    ],
)
def test_the_most_severe_fact_decides_the_exit_code(outcome, code):
    assert outcome.exit_code == code
    assert outcome.ok is (code == 0)


def test_a_command_is_a_function_that_returns_its_outcome(capsys):
    from bgreplay.cli.lint import Format, print_findings
    from bgreplay.cli.profiles import profiles

    assert profiles(fmt="json").ok
    assert '"ios-26"' in capsys.readouterr().out
    assert print_findings([("none.yaml", [])], Format.json).exit_code == 0


def test_every_command_module_is_imported_by_the_app():
    from bgreplay.cli.app import COMMAND_MODULES
    from bgreplay.cli.root import COMMANDS

    assert [m.__name__ for m in COMMAND_MODULES] == [f"bgreplay.cli.{n}" for n in COMMANDS]


def test_help_lists_the_commands_in_order_whichever_module_was_imported_first():
    """A command module imported before the app (as a test does) registers its command first;
    the help still lists ``root.COMMANDS`` in order, and every one of them."""
    probe = textwrap.dedent("""
        import bgreplay.cli.schema, bgreplay.cli.check
        import typer
        from bgreplay.cli.app import app
        from bgreplay.cli.root import COMMANDS
        group = typer.main.get_command(app)
        listed = group.list_commands(None)
        assert listed == list(COMMANDS), listed
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
