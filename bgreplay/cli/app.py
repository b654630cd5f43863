"""The ``bgreplay`` program: every command, run inside one error boundary.

Each command is a module-level function in its own module (``bgreplay.cli.<name>``), decorated
onto ``bgreplay.cli.root.app``; importing this module registers them all. ``main`` records how
a command ended as an ``exitcodes.Outcome`` (the exceptions it raised, or the outcome it
returned), and that outcome alone decides the exit code (SPEC §3).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import os
import sys
import traceback
from typing import Protocol, TypeGuard

import typer

from bgreplay.cli import (
    calibrate,
    check,
    compare,
    explain,
    fleet,
    lint,
    personas,
    profiles,
    run,
    scan,
    schema,
    trace,
    validate,
)
from bgreplay.cli.interrupts import Interruption
from bgreplay.cli.pipes import closed_pipe_safe_stdout
from bgreplay.cli.root import app, state
from bgreplay.errors import InputError
from bgreplay.exitcodes import INTERRUPTED, Outcome
from bgreplay.fsutil import inputs_guarded

# each module decorates its command onto ``app`` when imported (``--help`` lists them in
# ``root.COMMANDS`` order)
COMMAND_MODULES = (
    run,
    validate,
    personas,
    lint,
    profiles,
    explain,
    calibrate,
    check,
    compare,
    fleet,
    scan,
    schema,
    trace,
)


def _unwrapped(doc: str | None) -> str | None:
    """Help text with each paragraph on one line: the terminal wraps it at its own width
    (typer keeps a docstring's line breaks, which gave ragged help at 80 columns)."""
    if not doc:
        return doc
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _unwrap_help(group: typer.Typer) -> None:
    for info in group.registered_commands:
        info.help = _unwrapped(info.help or (info.callback.__doc__ if info.callback else None))
    for sub in group.registered_groups:
        sub.help = _unwrapped(sub.help)
        if sub.typer_instance is not None:
            sub.typer_instance.info.help = _unwrapped(sub.typer_instance.info.help)
            _unwrap_help(sub.typer_instance)
    if group.registered_callback is not None:
        callback = group.registered_callback
        callback.help = _unwrapped(
            callback.help or (callback.callback.__doc__ if callback.callback else None)
        )


_unwrap_help(app)


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__ if info.callback else "")


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command that ``args`` name, when they name one.

    Typer turns the signature of every command into click parameters before it parses a
    command line: about 10 ms for all of them, at every start, when a command needs only its
    own. Anything else (no command, an unknown one, --help or --version alone, shell
    completion) gets the whole app, so that its help and its suggestions list every command.
    """
    name = next((arg for arg in args if not arg.startswith("-")), None)
    if name is None or "_BGREPLAY_COMPLETE" in os.environ:  # click's completion variable
        return app
    commands = [info for info in app.registered_commands if _command_name(info) == name]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        return app
    chosen = copy.copy(app)
    chosen.registered_commands = commands
    chosen.registered_groups = groups
    return chosen


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


class _UsageError(Protocol):
    """Typer's (click's) own errors: a bad option, a missing argument, --help on no arguments.
    Told by their shape: Typer may bring its own copy of click, whose classes are not click's."""

    exit_code: int

    def show(self) -> None: ...

    def format_message(self) -> str: ...


def _is_usage_error(exc: Exception) -> TypeGuard[_UsageError]:
    return all(hasattr(exc, name) for name in ("show", "exit_code", "format_message"))


def _returned(result: object, interruption: Interruption) -> Outcome:
    """What the command line returned: a command's ``Outcome``, or the code of click's own
    exit (0 after --help or --version; 130 when Typer turned Ctrl-C or SIGTERM into one)."""
    if isinstance(result, Outcome):
        return result
    if result == INTERRUPTED:
        return interruption.report()
    return Outcome()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit code; never let a traceback escape."""
    args = list(sys.argv[1:] if argv is None else argv)
    state["debug"] = "--debug" in args or os.environ.get("BGREPLAY_DEBUG") == "1"
    interruption = Interruption()
    try:
        with interruption, inputs_guarded(), closed_pipe_safe_stdout():
            command = typer.main.get_command(_app_for(args))
            result = command.main(args=args, prog_name="bgreplay", standalone_mode=False)
    except InputError as exc:
        if state["debug"]:
            traceback.print_exc()
        _err(exc.render())
        outcome = Outcome(bad_input=True)
    except (typer.Abort, KeyboardInterrupt):
        outcome = interruption.report()
    except BrokenPipeError:
        outcome = Outcome()
    except OSError as exc:  # a full disk, a missing folder, no permission: the environment
        if state["debug"]:
            traceback.print_exc()
        _err(
            f"bgreplay: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            + "\n    fix: check the path, its permissions and the free space"
        )
        outcome = Outcome(bad_input=True)
    except Exception as exc:  # the boundary: usage errors, then bugs reported briefly
        if _is_usage_error(exc):
            exc.show()
            return Outcome(bad_input=exc.exit_code != 0).exit_code
        if state["debug"]:
            traceback.print_exc()
        else:
            _err(
                f"bgreplay: internal error ({type(exc).__name__}: {exc}).\n"
                "This is a bug in bgreplay. Re-run with --debug for the traceback and report it "
                "with the scenario that triggers it."
            )
        outcome = Outcome(internal_error=True)
    except BaseException as exc:  # native panics (polars) derive from BaseException
        if isinstance(exc, SystemExit | GeneratorExit):
            raise
        if state["debug"]:
            traceback.print_exc()
        _err(
            f"bgreplay: internal error ({type(exc).__name__}). This is a bug in bgreplay; "
            "re-run with --debug and report it with the input that triggers it."
        )
        outcome = Outcome(internal_error=True)
    else:
        outcome = _returned(result, interruption)
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    return outcome.exit_code
