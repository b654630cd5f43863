"""``bgreplay validate``: schema-check scenarios and traces."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(files: list[str] = typer.Argument(..., help="Scenario or trace files.")) -> int:
        """Schema-check scenarios and traces; exit 2 on the first invalid file.

        Example: bgreplay validate scenarios/*.yaml traces/*
        """
        from bgreplay import api

        for path in files:
            api.validate_file(path)
            typer.echo(f"ok  {path}")
        return 0
