"""docs/cli.md is generated from the commands' help; it must not go stale."""

from __future__ import annotations

from pathlib import Path

from bgreplay.cli.reference import reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run `python -m bgreplay.cli.reference > docs/cli.md`"
    )
