"""Static checks of a scenario's app configuration (SPEC §4.9), before anything is replayed.

Each rule is a small function with the facts it rests on cited in a comment, in ``lint_app``
(the app's configuration and its handlers) or ``lint_device`` (the device and its timeline);
``RULES`` joins them, and ``lint_scenario`` runs them all and returns the findings sorted by their place in the
YAML. BGR019, BGR020 and BGR023 extend §4.9: they read the inline timeline for trace-level
pitfalls (a force-quit user, a Low Power Mode afternoon, a device that never has a network).
``docs/lint.md`` is the user's table of these rules; BGR021 and BGR022 are ``scan``'s, found in
an app's code.
"""

from __future__ import annotations

from bgreplay.scenario import lint_app, lint_device
from bgreplay.scenario.lint_base import REQUIRED_MODE, Finding, Rule, fmt_ms
from bgreplay.scenario.model import Scenario

RULES: dict[str, Rule] = {**lint_app.RULES, **lint_device.RULES}
"""Every rule, by id."""


def lint_scenario(scenario: Scenario) -> list[Finding]:
    """Every finding of every rule, sorted by file, line, column, then rule id."""
    findings = [f for r in RULES.values() for f in r.check(scenario)]
    return sorted(findings, key=_sort_key)


def _sort_key(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.location.file, f.location.line, f.location.column, f.rule, f.message)


__all__ = ["REQUIRED_MODE", "RULES", "Finding", "Rule", "fmt_ms", "lint_scenario"]
