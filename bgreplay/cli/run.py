"""``bgreplay run``: replay one scenario and show what happened (SPEC §3).

A thin skin: options become overrides for ``api.load_scenario``, the replay is ``api.replay``,
and everything printed comes from ``bgreplay.render``. Machine formats: ``json`` is the summary,
``jsonl`` / ``csv`` / ``parquet`` the event log (SPEC §7). Files are written atomically.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC
from enum import StrEnum
from pathlib import Path

import typer

from bgreplay.cli.root import app
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads; the model, rich and the renderers load when used
if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from bgreplay.engine.records import ReplayResult
    from bgreplay.render.timeline import Window
    from bgreplay.scenario.lint import Finding
    from bgreplay.scenario.model import Scenario
    from bgreplay.trace.model import Clock, Timeline

WINDOW_HINT = (
    "write a clock time (07:30, shown on every day), an instant (2026-03-03T07:30, "
    "scenario-local, or with an offset) or a time since the start (1d6h)"
)


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


def overrides_for(
    days: int | None, seed: int | None, profile: str | None, sets: list[str]
) -> list[str]:
    """``--days/--seed/--profile`` as ``--set`` overrides, before the user's own ``--set``s."""
    out: list[str] = []
    if days is not None:
        out.append(f"duration={days}d")
    if seed is not None:
        out.append(f"seed={seed}")
    if profile is not None:
        # a profile file named relative to the current folder, not the scenario's
        if Path(profile).suffix in (".yaml", ".yml") and Path(profile).exists():
            profile = str(Path(profile).resolve())
        out.append(f"scheduler/profile={json.dumps(profile)}")
    return out + list(sets)


# -- --from / --to ------------------------------------------------------------------------------

_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def moment(text: str, option: str, clock: Clock) -> tuple[str, int]:
    """``("clock", ms of day)`` or ``("at", replay ms)``: the forms of ``--from``, ``--to`` and
    ``explain --at``."""
    from bgreplay.render.clockview import replay_ms
    from bgreplay.scenario.durations import (
        FormatError,
        parse_clock,
        parse_duration,
        parse_instant,
    )
    from bgreplay.trace.clock import to_ms

    try:
        if _DATE.match(text):
            moment = parse_instant(text)
            if moment.tzinfo is not None and moment.utcoffset() is not None:
                return "at", to_ms(moment) - clock.start_utc_ms
            local = to_ms(moment.replace(tzinfo=UTC))  # wall time as "local ms"
            return "at", replay_ms(clock, local)
        if ":" in text:
            return "clock", parse_clock(text, allow_24=True)
        return "at", parse_duration(text, allow_zero=True)
    except FormatError as exc:
        raise InputError(f"{option} {text!r}: {exc.message}", fix=WINDOW_HINT) from None


def parse_window(
    start: str | None, end: str | None, scenario: Scenario, clock: Clock
) -> Window | None:
    """``--from/--to`` as a ``render.timeline.Window``; clock times alone select that part of
    every day, anything else one span of the replay."""
    from bgreplay.render.clockview import DAY_MS, replay_ms
    from bgreplay.render.timeline import Window

    if start is None and end is None:
        return None
    a = moment(start, "--from", clock) if start is not None else None
    b = moment(end, "--to", clock) if end is not None else None
    duration = scenario.duration_ms
    if (a is None or a[0] == "clock") and (b is None or b[0] == "clock"):
        lo = a[1] if a else 0
        hi = b[1] if b else DAY_MS
        if lo % DAY_MS == hi % DAY_MS:
            raise InputError(f"--from {start} --to {end} is an empty window", fix=WINDOW_HINT)
        return Window(daily=(lo % DAY_MS, hi if hi <= DAY_MS else hi % DAY_MS))
    # one of them is an instant: a clock time beside it is the nearest such time inside
    if a is not None and a[0] == "clock" and b is not None:  # the last such time before --to
        day = clock.local_day(b[1] - 1) * DAY_MS
        t = replay_ms(clock, day + a[1])
        a = ("at", t if t < b[1] else replay_ms(clock, day - DAY_MS + a[1]))
    if b is not None and b[0] == "clock" and a is not None:  # the first such time after --from
        day = clock.local_day(a[1]) * DAY_MS
        t = replay_ms(clock, day + b[1])
        b = ("at", t if t > a[1] else replay_ms(clock, day + DAY_MS + b[1]))
    lo = a[1] if a else 0
    hi = b[1] if b else duration
    if hi <= 0 or lo >= duration:
        raise InputError(
            f"the window {start or 'start'} .. {end or 'end'} lies outside the replay",
            fix="choose times between the scenario's start and its end",
        )
    if hi <= lo:
        raise InputError(f"--from {start} is not before --to {end}", fix=WINDOW_HINT)
    return Window(start=max(lo, 0), end=min(hi, duration))


# -- running ------------------------------------------------------------------------------------

HEARTBEAT_SECONDS = 5.0


def replay_with_progress(
    scenario: Scenario, timeline: Timeline, explain_task: str | None = None
) -> ReplayResult:
    """``api.replay`` with progress on stderr once it takes over ~1 s: a bar on a terminal;
    elsewhere (CI logs, pipes) a plain line every few seconds, so that a long replay is never
    silent and a CI's "no output" watchdog does not kill it."""
    from bgreplay import api

    if not sys.stderr.isatty():
        return api.replay(
            scenario, timeline, explain_task=explain_task, on_day=heartbeat_off_terminal()
        )
    began = time.monotonic()
    bar: list[tuple[Progress, TaskID]] = []  # once shown

    def on_day(done: int, total: int) -> None:
        if not bar:
            if time.monotonic() - began < 1.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            progress = Progress(
                TextColumn("replaying"),
                BarColumn(),
                TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            progress.start()
            bar.append((progress, progress.add_task("replay", total=-(-total // 86_400_000))))
        progress, task = bar[0]
        progress.update(task, completed=done // 86_400_000)

    try:
        return api.replay(scenario, timeline, on_day=on_day, explain_task=explain_task)
    finally:
        if bar:
            bar[0][0].stop()


def replayed_days(done: int, total: int) -> str:
    return f"replaying: day {done // 86_400_000}/{-(-total // 86_400_000)}"


def heartbeat_off_terminal(
    line: Callable[[int, int], str] = replayed_days,
) -> Callable[[int, int], None] | None:
    """A progress callback for a command whose stderr is not a terminal (CI logs, pipes): a plain
    line every few seconds, so that a long command is never silent there; ``None`` on a
    terminal. ``line(done, total)`` words it."""
    if sys.stderr.isatty():
        return None
    return _heartbeat(time.monotonic(), line=line)


def _heartbeat(
    began: float,
    every: float | None = None,
    *,
    line: Callable[[int, int], str] = replayed_days,
) -> Callable[[int, int], None]:
    """A ``(done, total)`` callback printing ``line(done, total)`` and the seconds since
    ``began``, e.g. ``replaying: day 12/400 (10 s)``, at most every ``every`` seconds
    (``HEARTBEAT_SECONDS``); one callback serves several replays in turn, keeping its pace."""
    last = [began]

    def on_day(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < (HEARTBEAT_SECONDS if every is None else every) or done >= total:
            return
        last[0] = now
        sys.stderr.write(f"{line(done, total)} ({now - began:.0f} s)\n")
        sys.stderr.flush()

    return on_day


def _write(out: str | None, data: str | bytes) -> None:
    from bgreplay.fsutil import write_atomic

    if out is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    write_atomic(out, data)


def _wrote(what: str, path: str | None) -> None:
    """Say where a file went (on stderr, so stdout stays the report)."""
    if path is not None:
        typer.echo(f"wrote {what} to {path}", err=True)


def _export_events(result: ReplayResult, fmt: Format, out: str | None) -> None:
    from bgreplay import api

    frame = api.event_log(result)
    if fmt is Format.parquet:
        from bgreplay.fsutil import atomic_path

        assert out is not None  # checked before the replay: Parquet is written to a file
        with atomic_path(out) as tmp:
            frame.write_parquet(tmp)
    elif fmt is Format.csv:
        _write(out, frame.write_csv())
    else:
        _write(out, frame.write_ndjson())
    if out is not None:
        typer.echo(f"wrote {frame.height} events to {out}", err=True)


def _text_report(
    result: ReplayResult,
    width: int,
    window: Window | None,
    events: bool,
    quiet: bool,
    lint: Sequence[Finding],
) -> str:
    from bgreplay.render.report import render_run
    from bgreplay.render.theme import make_console

    buffer = io.StringIO()
    console = make_console(buffer, width=width, plain=True)
    render_run(result, console, window=window, events=events, quiet=quiet, lint=lint)
    return buffer.getvalue()


def _check_invariants(result: ReplayResult) -> None:
    """``--check-invariants``: a violation is a bug in the model, reported like one."""
    from bgreplay import api

    violations = api.invariant_violations(result)
    if violations:
        listed = "\n".join(f"  {v}" for v in violations[:20])
        raise InvariantViolation(
            f"the replay broke {len(violations)} invariant(s) of the model:\n{listed}"
        )


class InvariantViolation(Exception):
    """A replay whose event log breaks the model's invariants: an internal error (exit 3)."""


@app.command()
def run(
    scenario_path: str = typer.Argument(..., metavar="SCENARIO", help="Scenario file."),
    days: int | None = typer.Option(None, "--days", min=1, metavar="N", help="Replay N days."),
    seed: int | None = typer.Option(None, "--seed", metavar="S", help="Seed of every random draw."),
    profile: str | None = typer.Option(
        None,
        "--profile",
        metavar="P",
        help="Scheduler profile: ios-17, ios-18, ios-26, ideal, or a profile file.",
    ),
    set_: list[str] = typer.Option(
        [], "--set", metavar="PATH=VALUE", help="Override a scenario value (repeatable)."
    ),
    variant: str | None = typer.Option(
        None, "--variant", metavar="NAME", help="Variant to replay."
    ),
    fmt: Format = typer.Option(
        Format.text,
        "--format",
        metavar="FORMAT",  # the choices are in the help: a list of five splits at 80 columns
        help="text; json (summary); jsonl, csv, parquet (event log).",
    ),
    out: str | None = typer.Option(
        None, "--out", "-o", metavar="FILE", help="Write the output to FILE (atomically)."
    ),
    events: bool = typer.Option(
        False, "--events", help="Task events in order instead of the timeline."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Summary tables only."),
    from_: str | None = typer.Option(
        None,
        "--from",
        metavar="TIME",
        help="Timeline window start: 07:00, 2026-03-03T07:00 or 1d6h.",
    ),
    to: str | None = typer.Option(None, "--to", metavar="TIME", help="Timeline window end."),
    svg: str | None = typer.Option(
        None, "--svg", metavar="FILE", help="Also save the report as SVG."
    ),
    html: str | None = typer.Option(
        None, "--html", metavar="FILE", help="Also save an interactive HTML timeline."
    ),
    check_invariants: bool = typer.Option(
        False,
        "--check-invariants",
        help="Check the event log against the model's invariants (exit 3 on a violation).",
    ),
) -> Outcome:
    """Replay a scenario: header, per-day timeline, task and freshness summaries.

    Example: bgreplay run scenarios/pixar-film-tracker.yaml --days 2 --from 06:00 --to 10:00
    """
    from bgreplay import api

    if fmt is Format.parquet and out is None:
        raise InputError(
            "--format parquet needs --out FILE",
            fix="add --out events.parquet (Parquet is binary)",
        )
    scenario = api.load_scenario(
        scenario_path, overrides=overrides_for(days, seed, profile, set_), variant=variant
    )
    timeline = api.load_timeline(scenario)
    window = parse_window(from_, to, scenario, timeline.clock)
    findings = api.lint(scenario)
    # the HTML report shows each policy's answer behind every launch and throttle
    result = replay_with_progress(scenario, timeline, "*" if html is not None else None)
    if check_invariants:
        _check_invariants(result)
    if fmt in (Format.jsonl, Format.csv, Format.parquet):
        _export_events(result, fmt, out)
    elif fmt is Format.json:
        from bgreplay.render.summary import summary_document

        doc = summary_document(result, lint=findings)
        _write(out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        _wrote("the summary", out)
    elif out is not None:
        from bgreplay.render.theme import PLAIN_WIDTH

        _write(out, _text_report(result, PLAIN_WIDTH, window, events, quiet, findings))
        _wrote("the report", out)
    else:
        from bgreplay.render.report import render_run
        from bgreplay.render.theme import make_console

        render_run(result, make_console(), window=window, events=events, quiet=quiet, lint=findings)
    if svg is not None:
        from bgreplay.render.svg import write_svg

        write_svg(result, svg, window=window, events=events, quiet=quiet, lint=findings)
        _wrote("the report as SVG", svg)
    if html is not None:
        from bgreplay.render.html import write_html

        write_html(result, html, lint=findings)
        _wrote("the HTML report", html)
    return Outcome()
