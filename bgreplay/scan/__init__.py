"""``bgreplay scan``: read an app's source folder and write a scenario that reflects its code,
with the seed's pitfalls found in that code.

files (what to read) → project (Info.plist, Xcode build settings, Package.swift) → module (Swift
and Objective-C parsed with tree-sitter, lowered to ``ir``) → analysis (registrations, requests,
submits, their triggers, launch handlers) → decide (scenario values and why) → emit (YAML with a
comment on every value) and rules (findings). ``docs/scan.md`` describes what is recognised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from bgreplay.errors import InputError, Location
from bgreplay.scenario.lint import Finding


@dataclass(frozen=True, slots=True)
class ScanResult:
    scenario: str | None  # None when the code holds no background task
    findings: list[Finding]  # locations relative to the scanned folder
    tasks: int
    guesses: int
    files: int


def scan_folder(path: str | Path) -> ScanResult:
    """Scan ``path``; raise ``InputError`` when it is not a readable folder of sources."""
    from bgreplay.scan import analysis, decide, emit, rules
    from bgreplay.scan.files import find_files
    from bgreplay.scan.grammar import require_grammars
    from bgreplay.scan.module import Module
    from bgreplay.scan.project import identifier_prefix, read_project

    require_grammars()
    root = Path(path)
    folder = find_files(root)
    if not (folder.source_count or folder.plists or folder.projects):
        raise InputError(
            f"{root}: no Swift, Objective-C, Info.plist or Xcode project file in this folder",
            fix="pass the app's source folder (to lint scenarios, pass the .yaml files)",
        )
    module = Module(folder)
    project = read_project(folder, module)
    primary = project.apps[0]
    facts = analysis.analyse(module, None if primary.bundle_guess else primary.bundle)
    if primary.bundle_guess and not primary.permitted:  # no Info.plist: the code's identifiers
        found = [r.identifier for r in facts.registrations] + [r.identifier for r in facts.requests]
        prefix = identifier_prefix([i for i in found if i])
        if prefix is not None:
            primary.bundle = prefix
            primary.bundle_how = "guess: the common prefix of the identifiers in the code"
    apps = decide.decide(project, facts)
    findings = rules.code_findings(project, facts, apps, module.unparsed)
    tasks = sum(len(a.tasks) for a in apps)
    scenario = None
    if tasks:
        name = root.resolve().name or str(root)
        scenario = emit.render(apps, name, sum(f.severity != "info" for f in findings))
    guesses = scenario.count("guess:") if scenario else 0
    return ScanResult(scenario, findings, tasks, guesses, folder.source_count)


def shown_from(findings: list[Finding], given: str | Path) -> list[Finding]:
    """Findings with file names as the user reaches them: the folder as given, joined."""
    base = str(given)
    out = []
    for f in findings:
        rel = f.location.file
        name = os.path.normpath(os.path.join(base, rel)) if rel else os.path.normpath(base)
        out.append(replace(f, location=Location(name, f.location.line, f.location.column)))
    return out
