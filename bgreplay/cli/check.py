"""``bgreplay check``: expectations and baselines for CI (SPEC §3, §8); exit 0 / 1 / 2."""

from __future__ import annotations

import glob
import json
import os
import sys
from collections.abc import Sequence
from enum import StrEnum

import typer

from bgreplay.cli.root import app
from bgreplay.cli.run import heartbeat_off_terminal
from bgreplay.errors import InputError, Location, Problem
from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads: the analyses are imported by ``api`` when used
if TYPE_CHECKING:
    from bgreplay.analysis.baseline import Change
    from bgreplay.analysis.check import CheckReport, ReplayCheck

PASS, FAIL = "✓", "✗"


class Format(StrEnum):
    text = "text"
    json = "json"


def expand_paths(patterns: list[str]) -> list[str]:
    """Shell-style globs expanded (sorted, ``**`` allowed); plain paths kept; duplicates once."""
    out: list[str] = []
    problems: list[Problem] = []
    for pattern in patterns:
        if any(c in pattern for c in "*?["):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                problems.append(
                    Problem(
                        Location(pattern),
                        "no file matches this pattern",
                        "check the path, or quote it differently",
                    )
                )
            out.extend(matches)
        else:
            out.append(pattern)
    if problems:
        raise InputError(problems)
    return list(dict.fromkeys(out))


def _use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _title(check: ReplayCheck) -> str:
    return f"{check.path} ({check.variant})"


def _rows(check: ReplayCheck) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            PASS if r.passed else FAIL,
            r.target,
            r.metric,
            r.shown_text,
            r.measured_text + (f"  {r.robust_text}" if r.not_robust else ""),
        )
        for r in check.results
    ]


def _change_row(ch: Change) -> tuple[str, str, str, str, str]:
    note = f"{ch.direction}, tolerance {ch.tolerance}"
    if ch.missing == "old":
        note = "not in the baseline"
    elif ch.missing == "new":
        note = "no longer measured"
    return (f"{ch.scenario} ({ch.variant})", ch.target, ch.key, ch.text, note)


def _nothing(report: CheckReport) -> str:
    return ": no expectations" + (" (compared with the baseline)" if report.baseline else "")


def _summary(report: CheckReport) -> str:
    text = f"{report.passed} passed, {report.failed} failed"
    if report.baseline and not report.baseline_updated:
        n = len(report.regressions)
        text += f", {n} metric{'s' if n != 1 else ''} beyond baseline tolerance"
    return text


def _plain_table(rows: Sequence[tuple[str, ...]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]


def print_plain(report: CheckReport) -> None:
    for check in report.checks:
        rows = _rows(check)
        typer.echo(_title(check) + ("" if rows else _nothing(report)))
        if rows:
            typer.echo("\n".join(_plain_table(rows)))
        typer.echo("")
    if report.regressions:
        typer.echo(f"baseline {report.baseline}: metrics beyond tolerance (old → new)")
        typer.echo("\n".join(_plain_table([_change_row(c) for c in report.regressions])))
        typer.echo("")
    typer.echo(_summary(report))


def print_rich(report: CheckReport) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, force_terminal=True)
    for check in report.checks:
        rows = _rows(check)
        if not rows:
            console.print(f"[bold]{escape(_title(check))}[/bold]{escape(_nothing(report))}\n")
            continue
        table = Table(title=escape(_title(check)), title_justify="left", title_style="bold")
        for name in ("", "target", "metric", "expectation", "measured"):
            table.add_column(
                name,
                justify="right" if name == "measured" else "left",
                no_wrap=name in ("target", "metric"),
            )
        for mark, *rest in rows:
            style = "green" if mark == PASS else "bold red"
            table.add_row(f"[{style}]{mark}[/{style}]", *(escape(c) for c in rest))
        console.print(table)
    if report.regressions:
        table = Table(
            title=f"baseline {escape(str(report.baseline))}: beyond tolerance",
            title_justify="left",
            title_style="bold red",
        )
        for name in ("scenario", "target", "metric", "old → new", ""):
            table.add_column(name)
        for row in (_change_row(c) for c in report.regressions):
            table.add_row(*(escape(c) for c in row))
        console.print(table)
    colour = "green" if report.outcome.ok else "red"
    console.print(f"[{colour}]{escape(_summary(report))}[/{colour}]")


def report_json(report: CheckReport) -> dict[str, object]:
    return {
        "passed": report.outcome.ok,
        "summary": {
            "passed": report.passed,
            "failed": report.failed,
            "regressions": len(report.regressions),
        },
        "checks": [
            {
                "scenario": c.path,
                "variant": c.variant,
                "name": c.name,
                "expectations": [
                    {
                        "target": r.target,
                        "metric": r.metric,
                        "expectation": r.text,
                        "measured": r.measured,
                        "measured_text": r.measured_text,
                        "passed": r.passed,
                        "location": str(r.expectation.location),
                        "robust": r.expectation.robust,
                        "not_robust": [
                            {"param": name, "value": value, "measured": measured}
                            for name, value, measured in r.not_robust
                        ],
                    }
                    for r in c.results
                ],
                "regressions": [ch.to_dict() for ch in c.changes],
            }
            for c in report.checks
        ],
        "baseline": (
            {"file": str(report.baseline), "updated": report.baseline_updated}
            if report.baseline
            else None
        ),
    }


def junit_xml(report: CheckReport) -> str:
    """JUnit XML: one testsuite per scenario and variant, one testcase per expectation (plus a
    ``baseline`` testcase when comparing with a baseline)."""
    import xml.etree.ElementTree as ET  # only for --junit

    root = ET.Element("testsuites", name="bgreplay check")
    total = failures = 0
    seconds = 0.0
    for check in report.checks:
        suite_name = _title(check)
        cases = []
        for r in check.results:
            case = ET.Element(
                "testcase", classname=suite_name, name=f"{r.target} {r.metric} {r.text}", time="0"
            )
            if not r.passed:
                failure = ET.SubElement(case, "failure", message=r.message, type="expectation")
                failure.text = f"{r.expectation.location}: {r.target} {r.metric}: {r.message}"
            cases.append(case)
        if report.baseline and not report.baseline_updated:
            case = ET.Element("testcase", classname=suite_name, name="baseline", time="0")
            if check.changes:
                failure = ET.SubElement(
                    case,
                    "failure",
                    type="regression",
                    message=f"{len(check.changes)} metric(s) beyond tolerance",
                )
                failure.text = "\n".join(f"{c.target} {c.key}: {c.text}" for c in check.changes)
            cases.append(case)
        n_fail = sum(1 for c in cases if c.find("failure") is not None)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=suite_name,
            tests=str(len(cases)),
            failures=str(n_fail),
            errors="0",
            skipped="0",
            time=f"{check.seconds:.3f}",
        )
        suite.extend(cases)
        total += len(cases)
        failures += n_fail
        seconds += check.seconds
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


@app.command()
def check(
    scenarios: list[str] = typer.Argument(
        ..., help="Scenario files or glob patterns (quoted globs are expanded, sorted)."
    ),
    fmt: Format = typer.Option(
        Format.text, "--format", help="text: a pass/fail table; json: the whole report."
    ),
    junit: str | None = typer.Option(
        None, "--junit", metavar="FILE", help="Also write a JUnit XML report to FILE."
    ),
    baseline: str | None = typer.Option(
        None,
        "--baseline",
        metavar="FILE",
        help="Compare every metric with a stored baseline (JSON).",
    ),
    update_baseline: bool = typer.Option(
        False, "--update-baseline", help="Write the current metrics to the --baseline file."
    ),
    tolerance: list[str] = typer.Option(
        [],
        "--tolerance",
        metavar="[METRIC=]TOL",
        help="Allowed move against the baseline: 5% (default), kills=0, launch_delay=30s. "
        "Repeatable.",
    ),
    set_: list[str] = typer.Option(
        [],
        "--set",
        metavar="PATH=VALUE",
        help="Override a value of every scenario (repeatable).",
    ),
    variant: str | None = typer.Option(
        None, "--variant", metavar="NAME", help="Check this variant alone."
    ),
) -> Outcome:
    """Replay scenarios and check their `expect` thresholds (and a baseline).

    Each scenario's base and every variant with its own `expect` are replayed. Exit 0 when
    everything passes, 1 when an expectation fails or a metric moved beyond the baseline
    tolerance, 2 on bad input. See docs/metrics.md for metrics and the expectation syntax.

    Example: bgreplay check 'scenarios/*.yaml' --junit report.xml --baseline ci/baseline.json
    """
    from bgreplay import api
    from bgreplay.fsutil import write_atomic

    report = api.check(
        expand_paths(scenarios),
        baseline=baseline,
        update_baseline=update_baseline,
        tolerances=tolerance,
        overrides=set_,
        variant=variant,
        on_day=heartbeat_off_terminal(),
    )
    if junit:
        try:
            write_atomic(junit, junit_xml(report))
            typer.echo(f"wrote the JUnit report to {junit}", err=True)
        except OSError as exc:  # a full disk or a missing folder: not a bug in bgreplay
            raise InputError(
                Problem(
                    Location(junit),
                    f"cannot write the JUnit report ({exc.strerror or exc})",
                    "free some disk space, or check the folder exists and is writable",
                ),
            ) from None
    if fmt is Format.json:
        typer.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    elif _use_colour():
        print_rich(report)
    else:
        print_plain(report)
    if report.baseline_updated:
        sys.stderr.write(f"baseline written: {report.baseline}\n")
    return report.outcome
