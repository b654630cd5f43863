"""Every citation bgreplay prints or ships (F-numbers, FO-numbers, T§ and SPEC §) resolves in
docs/sources.md, and nothing a user sees points to a file the repository does not ship."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
SHIPPED = sorted(
    [
        *(ROOT / "bgreplay").rglob("*.py"),
        *(ROOT / "bgreplay").rglob("*.yaml"),
        *(ROOT / "docs").glob("*.md"),
        ROOT / "README.md",
        ROOT / "traces" / "README.md",
        *(ROOT / "scenarios").rglob("*.yaml"),
    ]
)

_CITATION = re.compile(
    r"(?<![\w§])(?:(FO\d{1,2})|(F\d{1,3})(?![\w.])|(F§\d+(?:\.\d+)*)|(T§ ?\d+(?:\.\d+)*)"
    r"|SPEC (§\d+(?:\.\d+)*)|(?<![TF])(§ ?\d+(?:\.\d+)*))"
)


def citations(text: str) -> set[str]:
    """``F14``, ``FO5``, ``F§2.3``, ``T§3.1``, and ``SPEC §4.8`` (a bare ``§4.8`` is a SPEC
    section), normalised without inner spaces."""
    out = set()
    for fo, f, fsec, t, spec, bare in _CITATION.findall(text):
        cited = fo or f or fsec or t or (f"SPEC {spec or bare}" if spec or bare else "")
        out.add(cited.replace("§ ", "§"))
    return out


def listed() -> set[str]:
    ids = re.findall(
        r"^\| (F\d+|FO\d+|F§[\d.]+|T§[\d.]+|SPEC §[\d.]+) \|",
        SOURCES.read_text(encoding="utf-8"),
        re.M,
    )
    return set(ids)


def test_citation_pattern_reads_the_forms_bgreplay_writes():
    assert citations("(F47, F48) F73–F74, FO5; F§2.3, T§3.1 and SPEC §4.8 (§6.7)") == {
        "F47",
        "F48",
        "F73",
        "F74",
        "FO5",
        "F§2.3",
        "T§3.1",
        "SPEC §4.8",
        "SPEC §6.7",
    }
    assert citations("0xF1 iOS 26.1 F1.5 AF12") == set()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_citation_in_a_shipped_file_is_listed(path):
    missing = citations(path.read_text(encoding="utf-8")) - listed()
    assert not missing, f"{sorted(missing)} not in docs/sources.md"


def test_every_citation_printed_by_lint_explain_profiles_personas_and_help_is_listed(run_cli):
    printed = []
    scenarios = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.yaml"))
    code, out, err = run_cli("lint", "--format", "json", *scenarios)
    assert code in (0, 1), err
    printed += [f"{f['message']} {f['advice']}" for f in json.loads(out)]
    for args in (
        ["profiles", "--format", "json"],
        ["personas", "--format", "json"],
        [
            "explain",
            "scenarios/pixar-film-tracker.yaml",
            "--task",
            "io.cocoabytes.filmtracker.processing",
            "--at",
            "2026-03-02T22:00",
        ],
    ):
        code, out, err = run_cli(*args)
        assert code == 0, err
        printed.append(out)
    printed.append((ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))  # every --help
    found = set().union(*(citations(text) for text in printed))
    assert {"F17", "F34"} <= found  # the test reads real output
    assert not found - listed(), f"{sorted(found - listed())} not in docs/sources.md"


_UNSHIPPED = re.compile(r"research/|ground-truth|\btraces\.md\b|SPEC\.md|field-observations")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_shipped_points_to_a_file_the_repository_does_not_have(path):
    text = path.read_text(encoding="utf-8")
    assert not _UNSHIPPED.findall(text)
    if path.suffix == ".md":
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" not in target:
                assert (path.parent / target).exists(), f"broken link {target}"
