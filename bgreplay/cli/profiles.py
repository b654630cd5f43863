"""``bgreplay profiles``: every model parameter with its default, unit, source and confidence."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def profiles(
        fmt: str = typer.Option("text", "--format", help="text or json."),
    ) -> int:
        """List the built-in scheduler profiles and every parameter with its source.

        A parameter that is not documented by Apple also shows the range the evidence allows,
        and why; `bgreplay compare SCENARIO --sensitivity` replays both ends.

        Override any parameter in a scenario with scheduler.params, or on the command line with
        --set scheduler/params/NAME=VALUE.

        Example: bgreplay profiles --format json
        """
        from rich.console import Console
        from rich.table import Table

        from bgreplay.engine.profiles import (
            PARAMETERS,
            PROFILE_NAMES,
            PROFILE_NOTES,
            build_profile,
        )
        from bgreplay.errors import InputError

        built = {name: build_profile(name) for name in PROFILE_NAMES}
        if fmt == "json":
            doc = {
                "profiles": {n: PROFILE_NOTES[n] for n in PROFILE_NAMES},
                "parameters": [
                    {"name": p.name, "unit": p.unit, "source": p.source,
                     "confidence": p.confidence, "description": p.description,
                     "defaults": {n: built[n].params[p.name] for n in PROFILE_NAMES},
                     "range": ({"low": p.low, "high": p.high, "why": p.range_source}
                               if p.has_range else None)}
                    for p in PARAMETERS.values()
                ],
            }
            typer.echo(json.dumps(doc, indent=2))
            return 0
        if fmt != "text":
            raise InputError(f"--format {fmt!r} is not supported", fix="use text or json")
        console = Console()
        for name in PROFILE_NAMES:
            console.print(f"[bold]{name}[/bold]  {PROFILE_NOTES[name]}")
        table = Table(title="Parameters (ios-26 defaults; other profiles differ where shown)")
        table.add_column("parameter", no_wrap=True)  # whole, to copy into --set
        for column in ("default", "unit", "source", "confidence", "range", "meaning"):
            table.add_column(column, overflow="fold")
        for p in PARAMETERS.values():
            default = p.format(built["ios-26"].params[p.name])
            others = [f"{n}: {p.format(built[n].params[p.name])}" for n in PROFILE_NAMES
                      if built[n].params[p.name] != built["ios-26"].params[p.name]]
            if others:
                default += " (" + ", ".join(others) + ")"
            unit = "duration" if p.unit == "ms" else p.unit
            span = f"{p.format(p.low)}–{p.format(p.high)}" if p.has_range else ""
            meaning = p.description + (f" (range: {p.range_source})" if p.has_range else "")
            table.add_row(p.name, default, unit, p.source, p.confidence, span, meaning)
        console.print(table)
        return 0
