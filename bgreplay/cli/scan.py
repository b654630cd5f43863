"""``bgreplay scan``: a scenario from an app's source folder, and the pitfalls in its code."""

from __future__ import annotations

import typer

from bgreplay.cli.lint import Format
from bgreplay.cli.root import app
from bgreplay.exitcodes import Outcome


@app.command()
def scan(
    path: str = typer.Argument(
        ...,
        help="The app's source folder (an .xcodeproj's folder, "
        "a Swift package, any folder of Swift / Objective-C).",
    ),
    out: str = typer.Option(
        None, "-o", "--out", help="Write the scenario to this file (default: standard output)."
    ),
    lint: bool = typer.Option(
        False,
        "--lint",
        help="Print the findings in the code instead of the scenario (exit codes as lint).",
    ),
    fmt: Format = typer.Option(
        Format.text,
        "--format",
        help="With --lint: text, json, or sarif (GitHub code scanning).",
    ),
) -> Outcome:
    """Read an app's Info.plist, Xcode build settings, Swift and Objective-C sources and
    write a scenario that reflects the code: every value with the file:line it comes from,
    every guess marked. With --lint, the seed's pitfalls found in the code (BGR001–BGR007,
    BGR021) with file:line:column; exit 1 on an error finding, 2 on an unreadable folder.
    What is recognised: docs/scan.md.

    Example: bgreplay scan MyApp/ -o myapp.yaml && bgreplay run myapp.yaml
    """
    from bgreplay import api
    from bgreplay.cli.lint import print_findings
    from bgreplay.errors import InputError
    from bgreplay.fsutil import write_atomic
    from bgreplay.scan import shown_from

    result = api.scan(path)
    if result.scenario is not None and out is not None:
        write_atomic(out, result.scenario)
    if lint:
        return print_findings([(path, shown_from(result.findings, path))], fmt)
    if result.scenario is None:
        raise InputError(
            f"{path}: no background task found (no BGTaskScheduler registration, request "
            f"or .backgroundTask in {result.files} Swift and Objective-C files)",
            fix="scan the folder that holds the app's BGTaskScheduler code; "
            "`bgreplay scan PATH --lint` lists what scan could not read",
        )
    if out is None:
        typer.echo(result.scenario, nl=False)
    pitfalls = sum(f.severity != "info" for f in result.findings)
    notes = len(result.findings) - pitfalls
    where = out if out is not None else "the scenario"
    summary = (
        f"{'wrote ' + where if out else where}: {result.tasks} task"
        f"{'s' if result.tasks != 1 else ''} from {result.files} source file"
        f"{'s' if result.files != 1 else ''}; "
        f"{result.guesses} guess{'es' if result.guesses != 1 else ''} marked "
        f'"guess:" to check'
    )
    if pitfalls or notes:
        summary += (
            f"; {pitfalls} finding{'s' if pitfalls != 1 else ''} and {notes} "
            f"note{'s' if notes != 1 else ''} in the code: bgreplay scan {path} --lint"
        )
    typer.echo(summary, err=True)
    return Outcome()
