"""``bgreplay validate``: schema-check scenarios and traces."""

from __future__ import annotations

from pathlib import Path

import typer

from bgreplay.cli.root import app
from bgreplay.exitcodes import Outcome

KNOWN = (".yaml", ".yml", ".csv", ".parquet")


def files_to_validate(paths: list[str]) -> list[str]:
    """Each path as given; a folder as every scenario and trace inside it (recursively,
    sorted). A folder with none of them is bad input: a CI step that validates an empty
    folder would otherwise pass having checked nothing."""
    from bgreplay.errors import InputError, Location, Problem

    out: list[str] = []
    for path in paths:
        folder = Path(path)
        if not folder.is_dir():
            out.append(path)
            continue
        found = sorted(
            str(p) for p in folder.rglob("*") if p.suffix.lower() in KNOWN and p.is_file()
        )
        if not found:
            raise InputError(
                Problem(
                    Location(path),
                    "the folder holds no scenario or trace (.yaml, .yml, .csv, .parquet)",
                    "check the path",
                )
            )
        out.extend(found)
    return out


@app.command()
def validate(
    files: list[str] = typer.Argument(
        ...,
        help="Scenario or trace files, or folders (every scenario and trace inside, recursively).",
    ),
) -> Outcome:
    """Schema-check scenarios and traces; exit 2 on the first invalid file, listing every
    problem in it. Other files (a README among traces, say) are skipped with a note.

    Example: bgreplay validate scenarios/ traces/
    """
    from bgreplay import api
    from bgreplay.cli.check import expand_paths
    from bgreplay.errors import InputError
    from bgreplay.fsutil import not_a_file

    for path in files_to_validate(expand_paths(files)):
        if Path(path).suffix.lower() not in KNOWN:
            why = not_a_file(path)
            if why is not None and why != "file not found":  # a device or a pipe
                raise InputError(f"{path}: {why}", fix="pass scenario or trace files")
            if why is None:
                typer.echo(f"skip {path} (not a scenario or a trace)", err=True)
                continue
        for warning in api.validate_file(path):
            typer.echo(warning.render(), err=True)
        typer.echo(f"ok  {path}")
    return Outcome()
