"""``bgreplay validate``: schema-check scenarios and traces."""

from __future__ import annotations

from pathlib import Path

import typer

KNOWN = (".yaml", ".yml", ".csv", ".parquet")


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(files: list[str] = typer.Argument(..., help="Scenario or trace files.")) -> int:
        """Schema-check scenarios and traces; exit 2 on the first invalid file, listing every
        problem in it. Other files (a README among traces, say) are skipped with a note.

        Example: bgreplay validate scenarios/*.yaml traces/*
        """
        from bgreplay import api

        for path in files:
            if Path(path).suffix.lower() not in KNOWN and Path(path).exists():
                typer.echo(f"skip {path} (not a scenario or a trace)", err=True)
                continue
            for warning in api.validate_file(path):
                typer.echo(warning.render(), err=True)
            typer.echo(f"ok  {path}")
        return 0
