"""``bgreplay fleet``: one scenario over a population of generated devices (SPEC §9)."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from typing import Required, TypedDict

import typer

from bgreplay.cli.root import app
from bgreplay.cli.run import heartbeat_off_terminal
from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads: rich and the fleet are imported when used
if TYPE_CHECKING:
    from bgreplay.fleet.run import FleetDeviceError


class FleetOptions(TypedDict, total=False):
    """The options that choose a fleet's devices and variants (to replay one device alone)."""

    devices: Required[int]
    mix: str | None
    seed: int | None
    overrides: Sequence[str]
    variants: Sequence[str]
    vary: Sequence[str]
    apps: Sequence[str]
    scenario_variants: bool


class Format(StrEnum):
    text = "text"
    json = "json"


class ExecutorName(StrEnum):
    local = "local"
    dask = "dask"


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr (devices, devices/s, ETA); off a terminal, a plain line
    every few seconds."""
    if not enabled:
        yield heartbeat_off_terminal(finished_devices)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("fleet"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("devices"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("fleet", total=None, rate="")

        def update(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:.1f} devices/s" if done and elapsed > 0 else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


def finished_devices(done: int, total: int) -> str:
    return f"fleet: {done:,}/{total:,} devices replayed"


def replay_alone_command(scenario: str, options: FleetOptions, index: int) -> str:
    """The command that replays one device of this fleet alone, in-process."""
    args = ["bgreplay", "fleet", scenario, "--devices", str(options["devices"])]
    for flag, chosen in (("--persona-mix", options.get("mix")), ("--seed", options.get("seed"))):
        if chosen is not None:
            args += [flag, str(chosen)]
    for flag, values in (
        ("--set", options.get("overrides", ())),
        ("--variant", options.get("variants", ())),
        ("--vary", options.get("vary", ())),
        ("--app", options.get("apps", ())),
    ):
        for value in values:
            args += [flag, value]
    if not options.get("scenario_variants", True):
        args.append("--no-scenario-variants")
    return shlex.join([*args, "--only-device", str(index)])


def report_failure(
    exc: FleetDeviceError, scenario: str, options: FleetOptions, show_details: bool
) -> None:
    failure = exc.failure
    lines = [
        f"bgreplay: device {failure.index} failed twice (persona {failure.persona}, "
        f"seed {failure.seed}, variant {failure.variant}):",
        f"    {failure.error}",
    ]
    if show_details and failure.details:
        lines += ["", failure.details.rstrip()]
    lines += [
        "Replay it alone, in this process, with its traceback:",
        "    " + replay_alone_command(scenario, options, failure.index),
        "If it is not an error in the scenario, this is a bug in bgreplay: please report "
        "it with that command and the scenario.",
    ]
    sys.stderr.write("\n".join(lines) + "\n")


def note_jobs_cap(jobs: int | None) -> None:
    """Say so when ``--jobs`` is above what the cores can run (the fleet caps it)."""
    from bgreplay.fleet.executors import JOBS_PER_CORE, capped_jobs, default_jobs

    if jobs is not None and capped_jobs(jobs) < jobs:
        sys.stderr.write(
            f"note: --jobs {jobs} is capped at {capped_jobs(jobs)} "
            f"({JOBS_PER_CORE} per core, {default_jobs()} cores here)\n"
        )


@app.command()
def fleet(
    scenario: str = typer.Argument(..., help="Scenario file (.yaml)."),
    devices: int = typer.Option(
        ..., "--devices", metavar="N", help="Number of generated devices (users)."
    ),
    persona_mix: str | None = typer.Option(
        None,
        "--persona-mix",
        metavar="NAME=W,...",
        help="Personas and their weights (normalised) \\[default: office_worker=0.5, "
        "light_user=0.3, heavy_user=0.2]. See `bgreplay personas`.",
    ),
    variant: list[str] = typer.Option(
        [],
        "--variant",
        metavar="NAME=OVERRIDES",
        help="An extra variant: the scenario with these overrides, written "
        "NAME=PATH=VALUE, several joined with ; (semicolon). Repeatable.",
    ),
    vary: list[str] = typer.Option(
        [],
        "--vary",
        metavar="PATH=V1,V2,...",
        help="One variant per value (repeat for the cartesian product), as for compare.",
    ),
    no_scenario_variants: bool = typer.Option(
        False,
        "--no-scenario-variants",
        help="Skip the scenario's own `variants` (only the base, --vary and --variant).",
    ),
    set_: list[str] = typer.Option(
        [],
        "--set",
        metavar="PATH=VALUE",
        help="An override applied to every variant (repeatable).",
    ),
    app_rate: list[str] = typer.Option(
        [],
        "--app",
        metavar="BUNDLE:RATE",
        help="Opens per day for one of the scenario's apps, instead of the persona's "
        "rank law. Repeatable.",
    ),
    metric: list[str] = typer.Option(
        [],
        "--metric",
        metavar="NAME",
        help="A summary row, e.g. launch_delay.p90 \\[default: compare's rows]. Repeatable.",
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Replace the scenario's seed (draws another population)."
    ),
    jobs: int | None = typer.Option(
        None,
        "--jobs",
        "-j",
        metavar="J",
        help="Worker processes \\[default: every core]; 1 runs in this process.",
    ),
    executor: ExecutorName = typer.Option(
        ExecutorName.local,
        "--executor",
        help="local: processes on this machine; dask: a Dask cluster "
        "(pip install 'bgreplay\\[dask]').",
    ),
    scheduler_address: str | None = typer.Option(
        None,
        "--scheduler-address",
        metavar="tcp://HOST:PORT",
        help="An existing Dask scheduler; without it, --executor dask starts a local "
        "cluster of --jobs workers.",
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        metavar="FILE.parquet",
        help="Write one row per device, variant and metric (atomically); metadata under "
        "the key bgreplay.fleet.",
    ),
    only_device: int | None = typer.Option(
        None,
        "--only-device",
        metavar="I",
        help="Replay only device I, in this process (to debug one device).",
    ),
    fmt: Format = typer.Option(
        Format.text, "--format", help="text: tables; json: the summary and metadata."
    ),
) -> Outcome:
    """Replay a scenario over N generated users: distributions across devices.

    Device i gets a persona from the mix and a seed derived from the scenario seed and i
    alone; its persona trace replaces the scenario's. The base and every variant replay
    the same users. The summary gives p10/p50/p90 across devices of compare's rows and the
    share of devices meeting each expectation; --out keeps every metric of every device.
    See docs/fleet.md.

    Example: bgreplay fleet scenarios/pixar-film-tracker.yaml --devices 200 --jobs 2
    --out fleet.parquet
    """
    from bgreplay import api
    from bgreplay.fleet.run import FleetDeviceError

    options: FleetOptions = {
        "devices": devices,
        "mix": persona_mix,
        "seed": seed,
        "overrides": set_,
        "variants": variant,
        "vary": vary,
        "apps": app_rate,
        "scenario_variants": not no_scenario_variants,
    }
    note_jobs_cap(jobs)
    try:
        with progress_bar(sys.stderr.isatty()) as update:
            result = api.fleet(
                scenario,
                devices=devices,
                persona_mix=persona_mix,
                variants=variant,
                vary=vary,
                overrides=set_,
                seed=seed,
                apps=app_rate,
                metrics=metric,
                jobs=jobs,
                executor=executor.value,
                scheduler_address=scheduler_address,
                out=out,
                only_device=only_device,
                scenario_variants=not no_scenario_variants,
                on_progress=update,
            )
    except FleetDeviceError as exc:
        report_failure(exc, scenario, options, show_details=only_device is not None)
        return Outcome(internal_error=True)  # a bug, or an error in the scenario: said above
    from bgreplay.render.fleet_report import print_rich, render_plain

    if fmt is Format.json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        print_rich(result)
    else:
        typer.echo(render_plain(result), nl=False)
    n = result.devices
    wrote = f"; wrote {out}" + (f" and {result.sidecar}" if result.sidecar else "") if out else ""
    sys.stderr.write(
        f"fleet: {n} device{'s' * (n != 1)} x {len(result.columns)} "
        f"variant{'s' * (len(result.columns) != 1)} in {result.seconds:.1f} s "
        f"({n / max(result.seconds, 1e-9):.1f} devices/s){wrote}\n"
    )
    return Outcome()
