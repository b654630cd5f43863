"""``bgreplay profiles``: every model parameter with its default, unit, source and confidence."""

from __future__ import annotations

import json

import typer


def _value(param, value) -> str:
    if param.unit == "ms":
        return _duration(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _duration(ms: int) -> str:
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    if ms:
        parts.append(f"{ms}ms")
    return "".join(parts)


def register(app: typer.Typer) -> None:
    @app.command()
    def profiles(
        fmt: str = typer.Option("text", "--format", help="text or json."),
    ) -> int:
        """List the built-in scheduler profiles and every parameter with its source.

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
                     "defaults": {n: built[n].params[p.name] for n in PROFILE_NAMES}}
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
        for column in ("parameter", "default", "unit", "source", "confidence", "meaning"):
            table.add_column(column, overflow="fold")
        for p in PARAMETERS.values():
            default = _value(p, built["ios-26"].params[p.name])
            others = [f"{n}: {_value(p, built[n].params[p.name])}" for n in PROFILE_NAMES
                      if built[n].params[p.name] != built["ios-26"].params[p.name]]
            if others:
                default += " (" + ", ".join(others) + ")"
            unit = "duration" if p.unit == "ms" else p.unit
            table.add_row(p.name, default, unit, p.source, p.confidence, p.description)
        console.print(table)
        return 0
