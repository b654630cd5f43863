"""``bgreplay lint``: static checks of scenarios' app configuration (SPEC §4.9)."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum

import typer

from bgreplay.cli.root import app
from bgreplay.exitcodes import Outcome

SEPARATOR = " \u2014 "  # the em dash between message and advice
COLOURS = {"error": "bold red", "warning": "yellow", "info": "cyan"}


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _line(finding) -> str:
    return (
        f"{finding.location}  {finding.rule} {finding.severity}  "
        f"{finding.message}{SEPARATOR}{finding.advice}"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def _count_line(findings, files: int) -> str:
    counts = [
        _plural(sum(f.severity == s for f in findings), s) for s in ("error", "warning", "info")
    ]
    return f"{_plural(len(findings), 'finding')} in {_plural(files, 'file')}: {', '.join(counts)}"


def _print_text(results: list[tuple[str, list]]) -> None:
    """One line per finding when piped (for grep); on a terminal, the place and rule on one
    line and the message and advice wrapped under it at the terminal's width."""
    console = None
    if _use_colour():
        from rich.console import Console

        console = Console(highlight=False, force_terminal=True)
    for i, (path, findings) in enumerate(results):
        if i:
            typer.echo("")
        if not findings:
            typer.echo(f"{path}: no findings")
        for f in findings:
            if console is None:
                typer.echo(_line(f))
            else:
                _print_wrapped(console, f)
    all_findings = [f for _, fs in results for f in fs]
    typer.echo("")
    typer.echo(_count_line(all_findings, len(results)))


def _print_wrapped(console, finding) -> None:
    from rich.padding import Padding
    from rich.text import Text

    colour = COLOURS[finding.severity]
    console.print(
        Text.assemble(
            str(finding.location), "  ", (finding.rule, "bold"), " ", (finding.severity, colour)
        )
    )
    console.print(
        Padding(Text.assemble(finding.message, (SEPARATOR + finding.advice, "dim")), (0, 0, 0, 4))
    )


def _as_json(results: list[tuple[str, list]]) -> str:
    rows = [
        {
            "file": f.location.file or path,
            "line": f.location.line,
            "column": f.location.column,
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
            "advice": f.advice,
        }
        for path, findings in results
        for f in findings
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def _as_sarif(results: list[tuple[str, list]]) -> str:
    from bgreplay import __version__
    from bgreplay.render.sarif import to_sarif
    from bgreplay.scan.rules import CODE_RULES
    from bgreplay.scenario.lint import RULES

    summaries = {
        **{r.id: r.summary for r in RULES.values()},
        **{r.id: r.summary for r in CODE_RULES.values()},
    }
    return to_sarif([f for _, fs in results for f in fs], summaries, __version__)


def print_findings(results: list[tuple[str, list]], fmt: Format) -> Outcome:
    """Print ``(path, findings)`` pairs in ``fmt``; every error finding is a failure."""
    if fmt is Format.json:
        typer.echo(_as_json(results))
    elif fmt is Format.sarif:
        typer.echo(_as_sarif(results))
    else:
        _print_text(results)
    return Outcome(failures=sum(f.severity == "error" for _, fs in results for f in fs))


@app.command()
def lint(
    scenarios: list[str] = typer.Argument(
        ...,
        help="Scenario files (.yaml), quoted glob patterns, or app source folders "
        "(scanned as by scan --lint).",
    ),
    fmt: Format = typer.Option(
        Format.text,
        "--format",
        help="text: one finding per line; json: a list of findings; "
        "sarif: SARIF 2.1.0 for GitHub code scanning.",
    ),
) -> Outcome:
    """Check scenarios' app configuration for classic background-task mistakes (BGR001–BGR020,
    BGR023).

    A folder is read as an app's sources, as by scan --lint: the findings (BGR001–BGR007,
    BGR021, BGR022 and BGS notes) are in the code, with file:line:column (docs/scan.md).
    Exit 1 when any finding is an error, 0 otherwise, 2 when a file cannot be loaded.
    Rules and fixes: docs/lint.md.

    Example: bgreplay lint scenarios/pixar-film-tracker.yaml scenarios/pitfalls/*.yaml
    """
    from bgreplay import api
    from bgreplay.cli.check import expand_paths
    from bgreplay.errors import InputError

    loaded, problems = [], []
    for path in expand_paths(scenarios):  # load all first: report every bad file, then none
        try:
            loaded.append(
                (path, _lint_folder(path) if os.path.isdir(path) else api.load_scenario(path))
            )
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    results = [
        (path, found if isinstance(found, list) else api.lint(found)) for path, found in loaded
    ]
    return print_findings(results, fmt)


def _lint_folder(path: str) -> list:
    from bgreplay import api
    from bgreplay.scan import shown_from

    return shown_from(api.scan(path).findings, path)
