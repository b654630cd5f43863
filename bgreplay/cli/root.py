"""The root ``bgreplay`` command: the Typer app that every command module decorates its command
onto (``@app.command()``, as sqlite-utils does), and the options before a command.

``bgreplay.cli.app`` imports every command module and runs the app inside the error boundary.
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from bgreplay import package_version

# ``bgreplay --help`` lists the commands in this order, whichever module was imported first;
# each is the module ``bgreplay.cli.<name>``. The group (trace) comes last, as Typer lists it.
COMMANDS = (
    "run",
    "validate",
    "personas",
    "lint",
    "profiles",
    "explain",
    "calibrate",
    "check",
    "compare",
    "fleet",
    "scan",
    "schema",
    "trace",
)


class _InOrder(TyperGroup):
    def list_commands(self, ctx: object) -> list[str]:  # noqa: ARG002 - click passes its context
        """The commands in ``COMMANDS`` order (any other after them, as registered)."""
        return sorted(
            self.commands, key=lambda n: COMMANDS.index(n) if n in COMMANDS else len(COMMANDS)
        )


app = typer.Typer(
    name="bgreplay",
    cls=_InOrder,
    help="Replay simulated iPhone days through a model of the iOS background-task scheduler.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

state = {"debug": False}  # --debug: the error boundary shows tracebacks


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
    state["debug"] = debug
