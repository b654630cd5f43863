"""``bgreplay calibrate``: observed vs replayed launches for an imported device trace."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from bgreplay.cli.root import app
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome


@app.command()
def calibrate(
    scenario_path: str = typer.Argument(..., metavar="SCENARIO"),
    set_: list[str] = typer.Option([], "--set", help="Override PATH=VALUE (repeatable)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> Outcome:
    """Put a real device's background launches (bg_task_observed rows of an imported
    sysdiagnose) beside the replay's, per task and day, and suggest parameters to adjust.

    Example: bgreplay calibrate scenarios/my-phone.yaml --set scheduler/params/min_run_score=0.5
    """
    from rich.console import Console
    from rich.table import Table

    from bgreplay import api
    from bgreplay.analysis.calibrate import BINS

    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt!r} is not supported", fix="use text or json")
    scenario = api.load_scenario(scenario_path, overrides=set_)
    result = api.replay(scenario)
    report = api.calibrate(result)
    if not report:
        raise InputError(
            f"{scenario_path}: the trace has no bg_task_observed rows to compare with",
            fix="import a sysdiagnose with its .BGSQL: bgreplay trace import powerlog "
            "CurrentPowerlog.PLSQL --bgsql FILE.BGSQL -o trace.csv",
        )
    if fmt == "json":
        typer.echo(json.dumps([asdict(c) for c in report], indent=2))
        return Outcome()
    console = Console()
    for c in report:
        console.print(
            f"[bold]{c.task}[/bold]  observed {c.observed_total} launches, "
            f"replayed {c.replayed_total}"
        )
        days = Table(
            "",
            *[f"d{i + 1}" for i in range(len(c.observed_per_day))],
            show_edge=False,
            title="launches per day",
            title_justify="left",
        )
        days.add_row("device", *map(str, c.observed_per_day))
        days.add_row("replay", *map(str, c.replayed_per_day))
        console.print(days)
        hours = Table(
            "",
            *[f"{i * 24 // BINS:02d}-{(i + 1) * 24 // BINS:02d}h" for i in range(BINS)],
            show_edge=False,
            title="time of day",
            title_justify="left",
        )
        hours.add_row("device", *map(str, c.observed_hours))
        hours.add_row("replay", *map(str, c.replayed_hours))
        console.print(hours)
        share = (
            "n/a" if c.observed_on_battery is None else f"{c.observed_on_battery:.0%}",
            "n/a" if c.replayed_on_battery is None else f"{c.replayed_on_battery:.0%}",
        )
        console.print(f"launched on battery: device {share[0]}, replay {share[1]}")
        for line in c.advice:
            console.print(f"  → {line}")
        console.print()
    return Outcome()
