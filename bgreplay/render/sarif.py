"""Lint findings as SARIF 2.1.0, the format GitHub code scanning reads to annotate a pull
request: one run, one rule per finding id, one result per finding at its file, line and column
(paths relative to the checkout, as the findings name them)."""

from __future__ import annotations

import json
from pathlib import PurePath

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    return PurePath(path).as_posix().removeprefix("./")


def to_sarif(findings, summaries: dict[str, str], version: str) -> str:
    """``findings``: objects with rule, severity, location, message, advice; ``summaries``:
    rule id → one-line description."""
    rule_ids = sorted({f.rule for f in findings})
    rules = [
        {
            "id": rule_id,
            "shortDescription": {"text": summaries.get(rule_id, rule_id)},
            "help": {
                "text": "bgreplay's docs/lint.md (BGR rules) and docs/scan.md (code "
                "findings) explain each rule and its fix"
            },
        }
        for rule_id in rule_ids
    ]
    results = []
    for f in findings:
        location: dict = {
            "artifactLocation": {"uri": _uri(f.location.file), "uriBaseId": "%SRCROOT%"}
        }
        if f.location.line > 0:
            region = {"startLine": f.location.line}
            if f.location.column > 0:
                region["startColumn"] = f.location.column
            location["region"] = region
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": rule_ids.index(f.rule),
                "level": LEVELS[f.severity],
                "message": {"text": f"{f.message}. Fix: {f.advice}."},
                "locations": [{"physicalLocation": location}],
            }
        )
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "bgreplay", "version": version, "rules": rules}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
