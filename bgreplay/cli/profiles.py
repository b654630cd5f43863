"""``bgreplay profiles``: every model parameter with its default, unit, source and confidence."""

from __future__ import annotations

import json
from collections.abc import Sequence

import typer

from bgreplay.cli.root import app
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads: rich is imported when used
if TYPE_CHECKING:
    from rich.console import RenderableType

# parameter, default, unit, source, confidence, range, meaning
Row = tuple[str, str, str, str, str, str, str]


def _layout(rows: Sequence[Row], width: int) -> list[RenderableType]:
    """A table whose names and values are never cut (only the meaning wraps, between words);
    one block per parameter when even that does not fit."""
    from rich.padding import Padding
    from rich.text import Text

    from bgreplay.render.fit import Col, min_width, whole_table

    table = whole_table(
        [Col(h) for h in ("parameter", "default", "unit", "source", "confidence", "range")], []
    )
    table.add_column("meaning", min_width=max(len(w) for r in rows for w in r[6].split()))
    for r in rows:
        table.add_row(*r)
    if min_width(table) <= width:
        return [table]
    blocks: list[RenderableType] = []
    for name, default, unit, source, confidence, span, meaning in rows:
        within = f"; range {span}" if span else ""
        blocks.append(
            Text.assemble((name, "bold"), f" = {default}  ({unit}; {source}, {confidence}{within})")
        )
        blocks.append(Padding(Text(meaning), (0, 0, 0, 4)))
    return blocks


@app.command()
def profiles(
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> Outcome:
    """List the built-in scheduler profiles and every parameter with its source.

    A parameter that is not documented by Apple also shows the range the evidence allows,
    and why; `bgreplay compare SCENARIO --sensitivity` replays both ends.

    Override any parameter in a scenario with scheduler.params, or on the command line with
    --set scheduler/params/NAME=VALUE.

    Example: bgreplay profiles --format json
    """
    from rich.console import Console
    from rich.text import Text

    from bgreplay import api

    catalogue = api.profile_catalogue()
    built = catalogue.profiles
    if fmt == "json":
        doc = {
            "profiles": catalogue.notes,
            "parameters": [
                {
                    "name": p.name,
                    "unit": p.unit,
                    "source": p.source,
                    "confidence": p.confidence,
                    "description": p.description,
                    "defaults": {n: profile.params[p.name] for n, profile in built.items()},
                    "range": (
                        {"low": p.low, "high": p.high, "why": p.range_source}
                        if p.has_range
                        else None
                    ),
                }
                for p in catalogue.parameters
            ],
        }
        typer.echo(json.dumps(doc, indent=2))
        return Outcome()
    if fmt != "text":
        raise InputError(f"--format {fmt!r} is not supported", fix="use text or json")
    console = Console(highlight=False)
    for name, note in catalogue.notes.items():
        console.print(Text.assemble((name, "bold"), "  ", note))
    rows: list[Row] = []
    for p in catalogue.parameters:
        meaning = p.description
        others = [
            f"{n}: {p.format(profile.params[p.name])}"
            for n, profile in built.items()
            if profile.params[p.name] != built["ios-26"].params[p.name]
        ]
        if others:
            meaning += " (" + ", ".join(others) + ")"
        if p.has_range:
            meaning += f" (range: {p.range_source})"
        unit = "duration" if p.unit == "ms" else p.unit
        span = f"{p.format(p.low)}–{p.format(p.high)}" if p.has_range else ""
        rows.append(
            (
                p.name,
                p.format(built["ios-26"].params[p.name]),
                unit,
                p.source,
                p.confidence,
                span,
                meaning,
            )
        )
    console.print(
        Text(
            "Parameters (ios-26 defaults; other profiles in brackets where they differ)",
            style="bold",
        )
    )
    for renderable in _layout(rows, console.width):
        console.print(renderable)
    return Outcome()
