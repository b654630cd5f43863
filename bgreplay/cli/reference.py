"""The command-line reference (``docs/cli.md``), generated from the commands' own help so the
two cannot drift: ``python -m bgreplay.cli.reference > docs/cli.md``."""

from __future__ import annotations

import os
import sys

import typer
from typer.testing import CliRunner


def _commands(command, prefix=()):
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield (*prefix, name)
        if getattr(sub, "commands", None):
            yield from _commands(sub, (*prefix, name))


def reference() -> str:
    from bgreplay.cli.app import app

    env = {"NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        runner = CliRunner()
        root = typer.main.get_command(app)
        parts = [
            "# Command-line reference",
            "",
            "Generated from the commands' help (`python -m bgreplay.cli.reference`); a test "
            "fails when this file is stale.",
            "",
        ]
        for path in [(), *_commands(root)]:
            result = runner.invoke(app, [*path, "--help"], prog_name="bgreplay")
            title = " ".join(("bgreplay", *path))
            text = "\n".join(line.rstrip() for line in result.output.splitlines()).strip("\n")
            parts += [f"## `{title}`", "", "```text", text, "```", ""]
        return "\n".join(parts)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


if __name__ == "__main__":
    sys.stdout.write(reference())
