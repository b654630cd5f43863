"""The ``bgreplay`` command: a thin Typer skin over ``bgreplay.api`` with one error boundary.

Each command lives in its own module with a ``register(app)`` function. The exit-code policy
(SPEC §3) is applied here and nowhere else.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys
import traceback

import typer

from bgreplay import exitcodes, package_version
from bgreplay.cli.interrupts import Interruption
from bgreplay.cli.pipes import closed_pipe_safe_stdout
from bgreplay.errors import InputError
from bgreplay.fsutil import inputs_guarded

COMMAND_MODULES = (
    "bgreplay.cli.run",
    "bgreplay.cli.validate",
    "bgreplay.cli.trace",
    "bgreplay.cli.personas",
    "bgreplay.cli.lint",
    "bgreplay.cli.profiles",
    "bgreplay.cli.explain",
    "bgreplay.cli.calibrate",
    "bgreplay.cli.check",
    "bgreplay.cli.compare",
    "bgreplay.cli.fleet",
    "bgreplay.cli.scan",
    "bgreplay.cli.schema",
)

app = typer.Typer(
    name="bgreplay",
    help="Replay simulated iPhone days through a model of the iOS background-task scheduler.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

_state = {"debug": False}


def _show_version(value: bool) -> None:
    if value:
        from bgreplay.engine.select import engine_name

        typer.echo(f"bgreplay {package_version()} (engine: {engine_name()})")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors."),
    _version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and which engine replays (compiled or pure Python), then exit.",
    ),
) -> None:
    """Replay simulated iPhone days through a model of the iOS background-task scheduler.

    Example: bgreplay run scenarios/pixar-film-tracker.yaml
    """
    _state["debug"] = debug


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


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


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def _is_usage_error(exc: Exception) -> bool:
    """Typer's (click's) own errors: bad options, missing arguments, --help on no arguments."""
    return hasattr(exc, "show") and hasattr(exc, "exit_code") and hasattr(exc, "format_message")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit code; never let a traceback escape."""
    args = list(sys.argv[1:] if argv is None else argv)
    _state["debug"] = "--debug" in args or os.environ.get("BGREPLAY_DEBUG") == "1"
    interruption = Interruption()
    try:
        with interruption, inputs_guarded(), closed_pipe_safe_stdout():
            command = typer.main.get_command(app)
            result = command.main(args=args, prog_name="bgreplay", standalone_mode=False)
    except InputError as exc:
        if _state["debug"]:
            traceback.print_exc()
        _err(exc.render())
        code = exitcodes.BAD_INPUT
    except (typer.Abort, KeyboardInterrupt):
        code = interruption.report()
    except typer.Exit as exc:
        code = exc.exit_code
    except BrokenPipeError:
        code = exitcodes.OK
    except OSError as exc:  # a full disk, a missing folder, no permission: the environment
        if _state["debug"]:
            traceback.print_exc()
        _err(
            f"bgreplay: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            + "\n    fix: check the path, its permissions and the free space"
        )
        code = exitcodes.BAD_INPUT
    except Exception as exc:  # the boundary: usage errors, then bugs reported briefly
        if _is_usage_error(exc):
            exc.show()
            return exitcodes.BAD_INPUT if exc.exit_code else exitcodes.OK
        if _state["debug"]:
            traceback.print_exc()
        else:
            etype, value, _ = sys.exc_info()
            _err(
                f"bgreplay: internal error ({etype.__name__}: {value}).\n"
                "This is a bug in bgreplay. Re-run with --debug for the traceback and report it "
                "with the scenario that triggers it."
            )
        code = exitcodes.INTERNAL_ERROR
    except BaseException as exc:  # native panics (polars) derive from BaseException
        if isinstance(exc, SystemExit | GeneratorExit):
            raise
        if _state["debug"]:
            traceback.print_exc()
        _err(
            f"bgreplay: internal error ({type(exc).__name__}). This is a bug in bgreplay; "
            "re-run with --debug and report it with the input that triggers it."
        )
        code = exitcodes.INTERNAL_ERROR
    else:
        code = result if isinstance(result, int) else exitcodes.OK
        if code == exitcodes.INTERRUPTED:  # Typer turns Ctrl-C (and SIGTERM) into this code
            code = interruption.report()
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    return code
