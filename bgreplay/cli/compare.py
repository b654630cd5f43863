"""``bgreplay compare``: replay strategies side by side (SPEC §3)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from enum import StrEnum

import typer

from bgreplay.cli.root import app
from bgreplay.cli.run import heartbeat_off_terminal
from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads: rich and the analyses are imported when used
if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from bgreplay.analysis.compare import Comparison
    from bgreplay.analysis.sensitivity import Sensitivity
    from bgreplay.render.fit import Layout

BEST = "*"
MOVERS_SHOWN = 3  # parameters named per metric row


class Format(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


def _cells(comparison: Comparison) -> list[list[str]]:
    """Table body: target, metric, then each column's value; later columns add (Δ)."""
    body: list[list[str]] = []
    for row in comparison.rows:
        cells = [row.target, row.metric]
        for i in range(len(comparison.columns)):
            text = row.formatted(i)
            if i in row.best:
                text += BEST
            if i > 0:
                text += f" ({row.formatted_delta(i)})"
            cells.append(text)
        body.append(cells)
    return body


def _legend(comparison: Comparison, reference: str | None = None) -> str:
    text = (
        f"{BEST} better value; (Δ) change against '{reference or comparison.columns[0].name}'. "
        f"Scenario: {comparison.path}"
    )
    if comparison.fleet is not None:
        text += (
            f"\nCells: medians across {comparison.fleet['devices']} generated devices "
            f"(seed {comparison.fleet['seed']}); --format json adds p10 and p90."
        )
    return text


def render_plain(comparison: Comparison) -> str:
    header = ["target", "metric", *(c.name for c in comparison.columns)]
    rows = [header, *_cells(comparison)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([*lines, "", _legend(comparison)])


def rich_layouts(comparison: Comparison) -> list[Layout]:
    """The comparison's layouts for a terminal, most direct first (``render.fit``): the full
    table; columns as letters with a legend; one table per target; then the value columns in
    groups. Cells are never cut."""
    from rich.text import Text

    from bgreplay.render.fit import Col, groups, legend, letters, title, whole_table

    names = [c.name for c in comparison.columns]
    labels = letters(len(names))
    cells = _cells(comparison)
    bests = [row.best for row in comparison.rows]
    targets = list(dict.fromkeys(row.target for row in comparison.rows))

    def value(r: int, i: int) -> Text:
        return Text(cells[r][2 + i], style="bold green" if i in bests[r] else "")

    def full() -> list[RenderableType]:
        header = [Col("target"), Col("metric"), *(Col(n, True) for n in names)]
        rows: list[list[Text | str]] = [
            [row[0], row[1], *(value(r, i) for i in range(len(names)))]
            for r, row in enumerate(cells)
        ]
        return [title(comparison.path), whole_table(header, rows), _note(comparison, names[0])]

    def per_target(size: int) -> list[RenderableType]:
        out: list[RenderableType] = [title(comparison.path), Text()]
        for target in targets:
            for part in groups(len(names), size):
                rows: list[list[Text | str]] = [
                    [cells[r][1], *(value(r, i) for i in part)]
                    for r in range(len(cells))
                    if cells[r][0] == target
                ]
                header = [Col("metric"), *(Col(labels[i], True) for i in part)]
                out += [title(target), whole_table(header, rows), Text()]
        return [*out, *legend(labels, names), _note(comparison, labels[0])]

    def lettered() -> list[RenderableType]:
        header = [Col("target"), Col("metric"), *(Col(label, True) for label in labels)]
        rows: list[list[Text | str]] = [
            [row[0], row[1], *(value(r, i) for i in range(len(names)))]
            for r, row in enumerate(cells)
        ]
        return [
            title(comparison.path),
            whole_table(header, rows),
            *legend(labels, names),
            _note(comparison, labels[0]),
        ]

    return [
        full,
        lettered,
        *((lambda size=size: per_target(size)) for size in range(len(names), 0, -1)),
    ]


def _note(comparison: Comparison, reference: str) -> Text:
    from rich.text import Text

    return Text(_legend(comparison, reference), style="bright_black")


def print_rich(comparison: Comparison) -> None:
    from rich.console import Console

    from bgreplay.render.fit import first_that_fits

    console = Console(highlight=False, force_terminal=True)
    for renderable in first_that_fits(rich_layouts(comparison), console.width):
        console.print(renderable)


def _sensitivity_cells(sens: Sensitivity) -> list[list[str]]:
    from bgreplay.engine.profiles import PARAMETERS

    body: list[list[str]] = []
    for row in sens.rows:
        span = (
            "(no change)"
            if row.low == row.high
            else f"{row.formatted(row.low)} – {row.formatted(row.high)}"
        )
        movers = "; ".join(
            f"{m.param} {PARAMETERS[m.param].format(PARAMETERS[m.param].low)}: "
            f"{row.formatted(m.at_low)}, {PARAMETERS[m.param].format(PARAMETERS[m.param].high)}: "
            f"{row.formatted(m.at_high)}"
            for m in row.movers[:MOVERS_SHOWN]
        )
        body.append([row.target, row.key, row.formatted(row.base), span, movers])
    return body


def _sensitivity_legend(sens: Sensitivity) -> str:
    return (
        f"Each uncertain parameter (bgreplay profiles: range) replayed at both ends, one at a "
        f"time: {len(sens.swings)} replays of {sens.path}. 'moved most by' gives each "
        f"parameter's value at its low and high end and the metric there. Not read by this "
        f"scenario (no effect): {len(sens.not_read)} parameters"
        + (
            f"; set by the scenario: {', '.join(sens.fixed_by_scenario)}"
            if sens.fixed_by_scenario
            else ""
        )
        + "."
    )


SENSITIVITY_HEADER = ["target", "metric", "base", "range", "moved most by"]


def render_sensitivity_plain(sens: Sensitivity) -> str:
    rows = [SENSITIVITY_HEADER, *_sensitivity_cells(sens)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(SENSITIVITY_HEADER) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
        for r in rows
    ]
    return "\n".join([*lines, "", _sensitivity_legend(sens)])


def sensitivity_layouts(sens: Sensitivity) -> list[Layout]:
    """The sensitivity table for a terminal: whole, then one table per target; only 'moved
    most by' wraps (between words), so no name or number is cut."""
    from rich.text import Text

    from bgreplay.render.fit import Col, title, whole_table

    cells = _sensitivity_cells(sens)
    note = Text(_sensitivity_legend(sens), style="bright_black")

    def table(header: list[str], rows: list[list[str]]) -> Table:
        out = whole_table([Col(h, h in ("base", "range")) for h in header[:-1]], [])
        out.add_column(
            header[-1],
            min_width=max((len(w) for r in rows for w in r[-1].split()), default=len(header[-1])),
        )
        for r in rows:
            out.add_row(*r)
        return out

    def full() -> list[RenderableType]:
        return [title(f"{sens.path}: sensitivity"), table(SENSITIVITY_HEADER, cells), note]

    def per_target() -> list[RenderableType]:
        out: list[RenderableType] = [title(f"{sens.path}: sensitivity"), Text()]
        for target in dict.fromkeys(c[0] for c in cells):
            rows = [c[1:] for c in cells if c[0] == target]
            out += [title(target), table(SENSITIVITY_HEADER[1:], rows), Text()]
        return [*out, note]

    return [full, per_target]


def print_sensitivity_rich(sens: Sensitivity) -> None:
    from rich.console import Console

    from bgreplay.render.fit import min_width

    console = Console(highlight=False, force_terminal=True)
    full, per_target = sensitivity_layouts(sens)
    shown = full()
    if max((min_width(r) for r in shown[1:-1]), default=0) > console.width:
        shown = per_target()
    for renderable in shown:
        console.print(renderable)


@app.command()
def compare(
    scenario: str = typer.Argument(..., help="Scenario file (.yaml)."),
    variant: list[str] = typer.Option(
        [],
        "--variant",
        metavar="NAME=OVERRIDES",
        help="An extra column: the base scenario with these overrides, written "
        "NAME=PATH=VALUE, several joined with ; (semicolon). Repeatable.",
    ),
    vary: list[str] = typer.Option(
        [],
        "--vary",
        metavar="PATH=V1,V2,...",
        help="One column per value (YAML; commas inside [] or {} do not split); repeat for "
        "the cartesian product. The first combination becomes the reference column.",
    ),
    no_scenario_variants: bool = typer.Option(
        False,
        "--no-scenario-variants",
        help="Skip the scenario's own `variants` (only the base or --vary, and --variant).",
    ),
    set_: list[str] = typer.Option(
        [],
        "--set",
        metavar="PATH=VALUE",
        help="An override applied to every column (repeatable), as for `run --set`.",
    ),
    metric: list[str] = typer.Option(
        [],
        "--metric",
        metavar="NAME",
        help="A row metric, e.g. launches_per_day or launch_delay.p90. Repeatable.",
    ),
    fmt: Format = typer.Option(
        Format.text, "--format", help="text: a table; json; csv: one line per row and column."
    ),
    out: str | None = typer.Option(
        None, "--out", metavar="FILE", help="Write the output to FILE (atomically)."
    ),
    fleet: int | None = typer.Option(
        None,
        "--fleet",
        metavar="N",
        help="Compare over N generated devices (as `bgreplay fleet`): cells are medians "
        "across devices.",
    ),
    persona_mix: str | None = typer.Option(
        None,
        "--persona-mix",
        metavar="NAME=W,...",
        help="With --fleet: the personas and weights (as for `bgreplay fleet`).",
    ),
    jobs: int | None = typer.Option(
        None,
        "--jobs",
        "-j",
        metavar="J",
        help="With --fleet or --sensitivity: worker processes \\[default: every core].",
    ),
    sensitivity: bool = typer.Option(
        False,
        "--sensitivity",
        help="Instead of columns: replay the scenario at the low and high end of every "
        "model parameter that is not documented (its range in `bgreplay profiles`) "
        "and show, per metric, the range and the parameters that move it most.",
    ),
) -> Outcome:
    """Replay the base scenario and its variants side by side, with deltas.

    Columns: the base (or every --vary combination), the scenario's `variants` (unless
    --no-scenario-variants), then each --variant. Rows: metrics for every task or app (see
    docs/metrics.md); deltas are against the first column and the better value of each row
    is marked.

    With --sensitivity: which conclusions survive what the model does not know.

    Example: bgreplay compare scenarios/pixar-film-tracker.yaml
    --vary 'apps/*/tasks/*refresh/submit/when=\\[app_launch],\\[app_background]'

    Example: bgreplay compare scenarios/pixar-film-tracker.yaml --sensitivity
    """
    from bgreplay import api
    from bgreplay.fsutil import write_atomic

    if sensitivity:
        return _sensitivity(
            scenario,
            set_,
            metric,
            fmt,
            out,
            jobs,
            clash=bool(vary or variant or fleet or no_scenario_variants),
        )
    if fleet is None:
        comparison = api.compare(
            scenario,
            variants=variant,
            vary=vary,
            metrics=metric,
            overrides=set_,
            scenario_variants=not no_scenario_variants,
            on_day=heartbeat_off_terminal(),
        )
    else:
        from bgreplay.cli.fleet import finished_devices, note_jobs_cap

        note_jobs_cap(jobs)
        comparison = api.fleet_compare(
            scenario,
            devices=fleet,
            persona_mix=persona_mix,
            jobs=jobs,
            variants=variant,
            vary=vary,
            metrics=metric,
            overrides=set_,
            scenario_variants=not no_scenario_variants,
            on_progress=heartbeat_off_terminal(finished_devices),
        )
    if fmt is Format.json:
        text = json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt is Format.csv:
        text = comparison.to_frame().write_csv()
    elif out or not (sys.stdout.isatty() and "NO_COLOR" not in os.environ):
        text = render_plain(comparison) + "\n"
    else:
        print_rich(comparison)
        return Outcome()
    if out:
        write_atomic(out, text)
        typer.echo(f"wrote the comparison ({len(comparison.columns)} columns) to {out}", err=True)
    else:
        typer.echo(text, nl=False)
    return Outcome()


def _sensitivity(
    scenario: str,
    overrides: Sequence[str],
    metrics: Sequence[str],
    fmt: Format,
    out: str | None,
    jobs: int | None,
    *,
    clash: bool,
) -> Outcome:
    from bgreplay import api
    from bgreplay.errors import InputError, Location, Problem
    from bgreplay.fleet.executors import default_jobs
    from bgreplay.fsutil import write_atomic

    if clash:
        raise InputError(
            Problem(
                Location("--sensitivity"),
                "--sensitivity replays one scenario against the model's unknowns, not columns",
                "drop --vary, --variant, --fleet and --no-scenario-variants",
            )
        )
    sens = api.sensitivity(
        scenario, overrides=overrides, metrics=metrics, jobs=jobs or min(default_jobs(), 4)
    )
    if fmt is Format.json:
        text = json.dumps(sens.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt is Format.csv:
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["target", "metric", "base", "low", "high", "param", "at_low", "at_high"])
        for r in sens.rows:
            for m in r.movers or [None]:
                writer.writerow(
                    [
                        r.target,
                        r.key,
                        r.base,
                        r.low,
                        r.high,
                        *((m.param, m.at_low, m.at_high) if m else ("", "", "")),
                    ]
                )
        text = buf.getvalue()
    elif out or not (sys.stdout.isatty() and "NO_COLOR" not in os.environ):
        text = render_sensitivity_plain(sens) + "\n"
    else:
        print_sensitivity_rich(sens)
        return Outcome()
    if out:
        write_atomic(out, text)
    else:
        typer.echo(text, nl=False)
    return Outcome()
