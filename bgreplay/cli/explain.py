"""``bgreplay explain``: every evaluation of one task around a moment, and why."""

from __future__ import annotations

import typer

from bgreplay.cli.root import app
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome
from bgreplay.trace.model import DAY_MS

TYPE_CHECKING = False  # what mypy reads; the scenario model loads with the scenario
if TYPE_CHECKING:
    from bgreplay.scenario.model import Scenario
    from bgreplay.trace.model import Clock


def parse_moment(text: str, scenario: Scenario, clock: Clock) -> int:
    """An instant (``2026-03-03T07:10``, scenario-local or with an offset), a time since the
    start (``1d6h``) or a clock time (``07:10``, its first occurrence) as replay ms; the same
    forms as ``run --from``."""
    from bgreplay.cli.run import moment

    kind, value = moment(text, "--at", clock)
    t = value if kind == "at" else (value - clock.ms_of_day(0)) % DAY_MS
    if not 0 <= t < scenario.duration_ms:
        raise InputError(
            f"--at {text!r} lies outside the replay",
            fix="choose a moment between the scenario's start and its end",
        )
    return t


@app.command()
def explain(
    scenario_path: str = typer.Argument(..., metavar="SCENARIO"),
    task: str = typer.Option(..., "--task", help="Task identifier to explain."),
    at: str | None = typer.Option(None, "--at", help="Moment: 07:10 or 2026-03-03T07:10."),
    set_: list[str] = typer.Option([], "--set", help="Override PATH=VALUE (repeatable)."),
    variant: str | None = typer.Option(None, "--variant", help="Variant to replay."),
) -> Outcome:
    """Why did (or didn't) a task run? Each evaluation's policies, scores and verdict.

    Example: bgreplay explain scenarios/pixar-film-tracker.yaml
    --task io.cocoabytes.filmtracker.processing --at 23:00
    """
    from rich.console import Console
    from rich.table import Table

    from bgreplay import api
    from bgreplay.analysis import explain as reasons
    from bgreplay.analysis.explain import local_label
    from bgreplay.cli.run import replay_with_progress
    from bgreplay.engine.records import Evaluation

    scenario = api.load_scenario(scenario_path, overrides=set_, variant=variant)
    if scenario.task(task) is None:
        import difflib

        names = [t.id for t in scenario.tasks]
        close = difflib.get_close_matches(task, names, n=1)
        hint = f"did you mean {close[0]}?" if close else f"tasks: {', '.join(names)}"
        raise InputError(f"unknown task {task!r}", fix=hint)
    timeline = api.load_timeline(scenario)
    moment = parse_moment(at, scenario, timeline.clock) if at else None
    result = replay_with_progress(scenario, timeline, task)
    report = api.explain(result, task, moment)
    console = Console()
    title = f"{task} — " + (
        f"around {local_label(result, moment)}"
        if moment is not None
        else "verdict changes over the whole replay"
    )
    console.print(f"[bold]{title}[/bold]  (profile {result.profile_name}, seed {scenario.seed})")
    for kind, item in report.items:
        if kind == "request":
            console.print(f"[bold]── {item}[/bold]", soft_wrap=True)
            continue
        if kind in ("gap", "omitted"):
            console.print(f"[dim]  ({item})[/dim]" if kind == "gap" else f"[dim]{item}[/dim]")
            continue
        if kind == "fate":
            console.print(f"  ⇒ {item}")
            continue
        assert isinstance(item, Evaluation), kind  # the one kind left: an evaluation
        ev = item
        verdict = (
            "[green]run[/green]"
            if ev.launched
            else f"[red]blocked[/red] ({reasons.title(ev.reason)})"
        )
        table = Table(
            title=f"{local_label(result, ev.t)}  trigger {ev.trigger}",
            title_justify="left",
            show_edge=False,
            pad_edge=False,
        )
        for col in ("policy", "decision", "score", "weight", "rationale"):
            table.add_column(col, overflow="fold")
        for v in ev.verdicts:
            table.add_row(v.policy, v.decision, f"{v.score:.2f}", f"{v.weight:g}", v.rationale)
        console.print(table)
        console.print(f"  → score {ev.score:.2f}, threshold {ev.threshold:.2f}: {verdict}")
    if not report.evaluations:
        console.print("No evaluations of this task in that window.")
    console.print()
    console.print(report.answer, soft_wrap=False)
    return Outcome()
