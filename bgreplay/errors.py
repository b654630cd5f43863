"""Errors a user can act on: every problem names where it is, what is wrong and how to fix it.

One exception type per exit code family; the CLI's error boundary (``bgreplay.cli.app``) maps
them to exit codes, so no command decides that on its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a user's file: 1-based line and column (0 when unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it."""

    location: Location
    message: str
    fix: str = ""
    path: str = ""  # the key path, e.g. "apps/io.x/tasks/io.x.refresh/earliest_begin"
    severity: str = "error"  # or "warning"

    def render(self) -> str:
        where = f"{self.location}: " if self.location.file else ""
        key = f" ({self.path})" if self.path else ""
        text = f"{where}{self.severity}{key}: {self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class BgreplayError(Exception):
    """Base of every error bgreplay raises on purpose."""


class InputError(BgreplayError):
    """Bad input (scenario, trace, option): exit code 2, with every problem found listed."""

    def __init__(self, problems: list[Problem] | Problem | str, fix: str = ""):
        if isinstance(problems, str):
            problems = [Problem(Location(""), problems, fix)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)
