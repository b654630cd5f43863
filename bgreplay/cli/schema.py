"""``bgreplay schema``: the scenario format as a JSON Schema (for editors) or as Markdown."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from bgreplay.cli.root import app
from bgreplay.exitcodes import Outcome


class Format(StrEnum):
    json = "json"
    markdown = "markdown"


@app.command()
def schema(
    fmt: Format = typer.Option(
        Format.json,
        "--format",
        help="json: a JSON Schema (draft-07); markdown: the reference of docs/scenario.md.",
    ),
) -> Outcome:
    """Print the scenario format: every key with its type, default and meaning.

    Save the JSON Schema and name it on a scenario's first line for completion and inline
    errors in VS Code or Neovim:  # yaml-language-server: $schema=bgreplay.schema.json

    Example: bgreplay schema > bgreplay.schema.json
    """
    from bgreplay import api

    if fmt is Format.markdown:
        typer.echo(api.scenario_reference(), nl=False)
    else:
        typer.echo(json.dumps(api.scenario_schema(), indent=2, ensure_ascii=False))
    return Outcome()
