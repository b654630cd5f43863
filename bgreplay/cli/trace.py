"""``bgreplay trace``: generate persona traces, import real ones, show per-day statistics."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import typer

from bgreplay.cli.root import app
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads: polars and the importers are imported when used
if TYPE_CHECKING:
    import polars as pl

    from bgreplay.trace.importers import ImportResult

FORMATS = ("text", "json", "csv")


def _note(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def _start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"--start {text!r} is not a date and time",
            fix="write the wall time like 2026-03-02T00:00 (no offset)",
        ) from None
    if moment.tzinfo is not None:
        raise InputError(
            f"--start {text!r} has a UTC offset",
            fix="give the wall time without one and the zone with --timezone",
        )
    return moment


def _days(days: int) -> int:
    if not 1 <= days <= 400:
        raise InputError(f"--days {days} is out of range", fix="give 1 to 400 days")
    return days


# Short headers, each explained by the key under the table; --format json/csv keep the full
# names. Priority: the least important columns are left out first on a narrow terminal.
_COLUMNS = {  # name: (header, priority, key)
    "date": ("date", 100, ""),
    "weekday": ("day", 99, ""),
    "interactions": ("inter", 50, "unlk+glnc"),
    "unlocks": ("unlk", 95, "unlocks"),
    "glances": ("glnc", 45, "glances (screen on, locked)"),
    "screen_min": ("scr", 90, "minutes unlocked"),
    "app_opens": ("opens", 85, ""),
    "apps": ("apps", 55, "distinct apps"),
    "plugged_h": ("plug", 80, "hours on power"),
    "longest_plug_h": ("maxplug", 40, "longest charge begun that day (h)"),
    "wifi_share": ("wifi", 75, "Wi-Fi share"),
    "lpm_h": ("lpm", 35, "Low Power Mode hours"),
    "boots": ("boot", 30, ""),
    "min_battery": ("bat", 70, "lowest battery %"),
}


def _cell(name: str, value: object) -> str:
    if value is None:
        return "-"
    if name == "wifi_share":
        return f"{value:.0%}"
    if name == "screen_min":
        return f"{value:.0f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _table(frame: pl.DataFrame, title: str) -> None:
    from rich.console import Console
    from rich.text import Text

    from bgreplay.render.tables import Column, fitted_table

    console = Console(highlight=False)
    names = [n for n in frame.columns if n in _COLUMNS]
    columns = [
        Column(_COLUMNS[n][0], _COLUMNS[n][1], "left" if n in ("date", "weekday") else "right")
        for n in names
    ]
    rows = [[Text(_cell(n, row[n])) for n in names] for row in frame.iter_rows(named=True)]
    table = fitted_table("", columns, rows, console.width)
    shown = {c.header for c in table.columns}
    key = ", ".join(
        f"{_COLUMNS[n][0]} {_COLUMNS[n][2]}"
        for n in names
        if _COLUMNS[n][2] and _COLUMNS[n][0] in shown
    )
    console.print(Text(title, style="bold"))
    console.print(table)
    console.print(Text(f"Key: {key}", style="bright_black"))


def _write(result: ImportResult, out: str, what: str) -> Outcome:
    from bgreplay import api

    for note in result.notes:
        _note(f"note: {note}")
    path = api.write_trace(out, result)
    _note(f"wrote {len(result.records)} rows from {what} to {path}")
    return Outcome()


trace_app = typer.Typer(
    name="trace",
    no_args_is_help=True,
    help="Device traces: generate from a persona, import, show.",
)
import_app = typer.Typer(
    name="import",
    no_args_is_help=True,
    help="Import a real device trace (knowledgeC.db or a PowerLog).",
)


@trace_app.command("generate")
def generate(
    persona: str = typer.Option(..., "--persona", help="Persona name (bgreplay personas)."),
    days: int = typer.Option(7, "--days", help="Number of days (1-400)."),
    start: str = typer.Option(
        "2026-03-02T00:00", "--start", help="Wall time of the first instant, without offset."
    ),
    timezone: str | None = typer.Option(
        None, "--timezone", help="IANA zone of --start \\[default: UTC, with a note]."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed; same inputs give the same bytes."),
    apps: list[str] | None = typer.Option(
        None, "--app", help="BUNDLE or BUNDLE:RATE (opens/day); repeatable."
    ),
    out: str = typer.Option(..., "-o", "--out", help="Output FILE.csv or FILE.parquet."),
) -> Outcome:
    """Generate a synthetic device trace from a persona (SPEC §5.4).

    Apps without a rate get one from the persona's rank-frequency law, in the order given.

    Example: bgreplay trace generate --persona office_worker --days 7 --start 2026-03-02T00:00
    --timezone Europe/Paris --seed 3 --app io.cocoabytes.filmtracker -o week.csv
    """
    from bgreplay import api
    from bgreplay.personas import parse_app

    target = api.check_trace_output(out)
    zone = timezone or "UTC"
    chosen = api.persona(persona)
    parsed = [parse_app(a) for a in apps or []]
    if not chosen.opens_apps and any(rate for _, rate in parsed):
        _note(f"note: {chosen.name} never opens the apps; their rates are ignored")
    trace = api.generate_trace(
        chosen, days=_days(days), start=_start(start), timezone=zone, seed=seed, apps=parsed
    )
    if timezone is None:
        _note(
            "note: no --timezone given: the trace's wall times are UTC (pass --timezone "
            "Europe/Paris, say, for the device's own zone)"
        )
    api.write_trace(target, trace)
    _note(
        f"wrote {len(trace.records)} rows ({chosen.name}, {days} days from {start} "
        f"{zone}, seed {seed}) to {target}"
    )
    return Outcome()


@trace_app.command("show")
def show(
    file: str = typer.Argument(..., help="Trace file (.csv or .parquet)."),
    timezone: str = typer.Option(
        "UTC", "--timezone", help="Zone of times written without an offset."
    ),
    fmt: str = typer.Option("text", "--format", help="text, json or csv."),
) -> Outcome:
    """Per-day statistics of a trace: unlocks, screen time, apps, charging, Wi-Fi share.

    Example: bgreplay trace show week.csv --format json
    """
    from bgreplay import api

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r} is not supported", fix="use text, json or csv")
    stats = api.trace_day_stats(file, timezone=timezone)  # a bad file names its line: exit 2
    if fmt == "json":
        typer.echo(json.dumps(stats.to_dicts(), default=str, indent=2))
    elif fmt == "csv":
        typer.echo(stats.write_csv(), nl=False)
    else:
        _table(stats, f"{file}: {stats.height} days")
    return Outcome()


@import_app.command("knowledgec")
def knowledgec(
    source: str = typer.Argument(..., help="knowledgeC.db"),
    out: str = typer.Option(..., "-o", "--out", help="Output FILE.csv or FILE.parquet."),
    device: str | None = typer.Option(
        None, "--device", help="ZSOURCE.ZDEVICEID to keep (local = rows without one)."
    ),
    timezone: str | None = typer.Option(
        None, "--timezone", help="Home zone: other UTC offsets become timezone rows."
    ),
) -> Outcome:
    """Import knowledgeC.db: app use, lock state, screen, charging, battery, Low Power Mode.

    Example: bgreplay trace import knowledgec knowledgeC.db -o device.parquet
    """
    from bgreplay import api

    api.check_trace_output(out)
    return _write(api.import_knowledgec(source, device=device, timezone=timezone), out, source)


@import_app.command("powerlog")
def powerlog(
    source: str = typer.Argument(..., help="CurrentPowerlog.PLSQL (or .PLSQL.gz)"),
    out: str = typer.Option(..., "-o", "--out", help="Output FILE.csv or FILE.parquet."),
    bgsql: str | None = typer.Option(
        None, "--bgsql", help="The sysdiagnose's .BGSQL: observed task runs (iOS 26)."
    ),
    timezone: str = typer.Option(
        "UTC", "--timezone", help="Zone to use if the log has no time-zone rows."
    ),
) -> Outcome:
    """Import a sysdiagnose's PowerLog, and its .BGSQL observed background-task runs.

    Example: bgreplay trace import powerlog logs/powerlogs/CurrentPowerlog.PLSQL
    --bgsql logs/powerlogs/BackgroundProcessing.BGSQL -o device.parquet
    """
    from bgreplay import api

    api.check_trace_output(out)
    return _write(api.import_powerlog(source, bgsql=bgsql, timezone=timezone), out, source)


trace_app.add_typer(import_app, name="import")
app.add_typer(trace_app, name="trace")
