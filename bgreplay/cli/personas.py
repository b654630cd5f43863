"""``bgreplay personas``: the built-in personas and every parameter with its source."""

from __future__ import annotations

import json

import typer

from bgreplay.cli.root import app
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome

_BARS = "▁▂▃▄▅▆▇█"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(minutes: float) -> str:
    days, rest = divmod(int(minutes), 1440)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text + (f"+{days}d" if days else "")


def show_value(name: str, unit: str, value: object, compact: bool = False) -> str:
    """A parameter as people read it: clock times, weekday names, a sparkline for the curve;
    ``compact`` keeps long values short for the side-by-side table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return _show_tuple(name, value, compact)
    if unit == "clock" and isinstance(value, int | float):
        return _clock(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _show_tuple(name: str, value: tuple[object, ...], compact: bool) -> str:
    if name == "hourly":
        curve = [float(v) for v in value if isinstance(v, int | float)]
        top = max(curve) or 1.0
        if compact:
            return f"peak {curve.index(top):02d}h"
        return "".join(_BARS[min(7, int(v / top * 7.999))] for v in curve)
    if name == "workdays":
        if compact and value == (0, 1, 2, 3, 4):
            return "Mon-Fri"
        return ",".join(_DAYS[d] for d in value if isinstance(d, int)) or "none"
    if name == "rotation":
        if compact:
            return f"{len(value)} shifts" if value else "-"
        shifts = [shift for shift in value if isinstance(shift, tuple)]
        return "; ".join("/".join(_clock(m) for m in shift) for shift in shifts) or "-"
    return "-".join(str(v) for v in value)


def _json_value(value: object) -> object:
    return [_json_value(v) for v in value] if isinstance(value, tuple) else value


@app.command()
def personas(
    name: str | None = typer.Argument(None, help="Show one persona in detail."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> Outcome:
    """List the built-in personas and their parameters, each with its source (T§ sections,
    listed in docs/sources.md).

    Example: bgreplay personas office_worker --format json
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from bgreplay import api

    chosen = [api.persona(name)] if name else api.personas()
    if fmt == "json":
        doc = {
            p.name: {
                "description": p.description,
                "parameters": {
                    str(r["name"]): {
                        "value": _json_value(r["value"]),
                        "unit": r["unit"],
                        "source": r["source"],
                        "description": r["description"],
                    }
                    for r in api.persona_parameters(p)
                },
            }
            for p in chosen
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return Outcome()
    if fmt != "text":
        raise InputError(f"--format {fmt!r} is not supported", fix="use text or json")
    console = Console()
    for p in chosen:
        console.print(f"[bold]{p.name}[/bold]  {p.description}")
    # name, unit, source, meaning (text) and the value, per parameter, per persona
    rows = [
        [
            (str(r["name"]), str(r["unit"]), str(r["source"]), str(r["description"]), r["value"])
            for r in api.persona_parameters(p)
        ]
        for p in chosen
    ]
    if len(chosen) == 1:
        table = Table(title=chosen[0].name)
        for column in ("parameter", "value", "unit", "source", "meaning"):
            table.add_column(column, overflow="fold")
        for param, unit, source, meaning, value in rows[0]:
            table.add_row(param, show_value(param, unit, value), unit, source, meaning)
    else:
        table = Table(
            title="Persona parameters (details: bgreplay personas NAME)",
            box=box.SIMPLE_HEAD,
            collapse_padding=True,
            pad_edge=False,
        )
        table.add_column("parameter", no_wrap=True, min_width=max(len(r[0]) for r in rows[0]))
        for p in chosen:
            table.add_column(p.name.split("_")[0], justify="right")
        table.add_column("unit")
        table.add_column("source", overflow="fold")
        for i, (param, unit, source, _, _) in enumerate(rows[0]):
            cells = [show_value(param, unit, r[i][4], compact=True) for r in rows]
            table.add_row(param, *cells, unit, source)
    console.print(table)
    return Outcome()
