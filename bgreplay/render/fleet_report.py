"""``bgreplay fleet``'s report: its header, the distributions across devices and the share of
devices meeting each expectation, as plain text or as terminal tables that fit the width."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

    from bgreplay.fleet.run import FleetResult
    from bgreplay.render.fit import Col, Layout

Row = tuple[str, ...]


def _pct(share: float | None) -> str:
    if share is None:
        return "n/a"
    pct = share * 100
    return f"{pct:.1f}%" if 0 < pct < 10 and not pct.is_integer() else f"{pct:.0f}%"


def header_lines(result: FleetResult) -> list[str]:
    meta = result.meta
    from bgreplay.fleet.population import format_mix

    mix = format_mix(tuple(meta["persona_mix"].items()))
    who = (
        f"device {meta['only_device']} of {meta['devices']}"
        if meta["only_device"] is not None
        else f"{meta['devices']} devices"
    )
    days = meta["days"]
    days_text = f"{days:g} day{'s' * (days != 1)}"
    start = meta["start"].replace("T", " ")[:16]
    return [
        f"Fleet: {meta['scenario_name']} ({meta['scenario']})",
        f"{who} x {days_text} from {start} ({meta['timezone']}); seed {meta['seed']}",
        f"Persona mix: {mix}",
        "Variants: " + ", ".join(c.name for c in result.columns),
    ]


def distribution_rows(result: FleetResult) -> list[Row]:
    """(variant, target, metric, p10, p50, p90, devices) — variant only on its first row."""
    from bgreplay.analysis.formatting import format_value

    rows: list[Row] = []
    last = None
    for r in result.quantiles.iter_rows(named=True):
        name = r["variant"] if r["variant"] != last else ""
        last = r["variant"]
        rows.append(
            (
                name,
                r["target"],
                r["metric"],
                *(format_value(r[p], r["unit"]) for p in ("p10", "p50", "p90")),
                str(r["devices"]),
            )
        )
    return rows


def expectation_rows(result: FleetResult) -> list[Row]:
    rows: list[Row] = []
    last = None
    for s in result.expectations:
        name = s.variant if s.variant != last else ""
        last = s.variant
        rows.append(
            (name, s.target, f"{s.metric} {s.text}", f"{s.passed}/{s.devices}", _pct(s.share))
        )
    return rows


DIST_HEADER = ("variant", "target", "metric", "p10", "p50", "p90", "devices")
EXPECT_HEADER = ("variant", "target", "expectation", "devices", "share")
RIGHT = {"p10", "p50", "p90", "devices", "share"}


def _plain(header: Row, rows: list[Row]) -> list[str]:
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return [
        "  ".join(
            c.rjust(w) if h in RIGHT else c.ljust(w)
            for c, w, h in zip(r, widths, header, strict=True)
        ).rstrip()
        for r in table
    ]


def render_plain(result: FleetResult) -> str:
    lines = header_lines(result)
    lines += ["", "Across devices (p10 / p50 / p90; devices = with data):"]
    lines += _plain(DIST_HEADER, distribution_rows(result))
    if result.expectations:
        lines += ["", "Expectations: devices meeting each"]
        lines += _plain(EXPECT_HEADER, expectation_rows(result))
    else:
        lines += ["", "Expectations: none in the scenario"]
    return "\n".join(lines) + "\n"


def rich_layouts(result: FleetResult) -> list[Layout]:
    """The fleet's tables for a terminal, most direct first (``render.fit``): as printed to a
    file; variants as letters with a legend; then one table per target. Cells are never cut."""
    from rich.text import Text

    from bgreplay.render.fit import Col, legend, letters, title, whole_table

    names = [c.name for c in result.columns]
    labels = dict(zip(names, letters(len(names)), strict=True))
    tables = [
        (title_, header, rows)
        for title_, header, rows in (
            (
                "Across devices (p10 / p50 / p90; devices = with data)",
                DIST_HEADER,
                distribution_rows(result),
            ),
            ("Expectations: devices meeting each", EXPECT_HEADER, expectation_rows(result)),
        )
        if rows
    ]
    head: list[RenderableType] = [
        Text(header_lines(result)[0], style="bold"),
        *(Text(line, style="bright_black") for line in header_lines(result)[1:]),
    ]

    def columns(header: Sequence[str]) -> list[Col]:
        return [Col(h, h in RIGHT) for h in header]

    def sections(rows: Sequence[Row]) -> list[int]:
        return [i for i in range(len(rows)) if i + 1 == len(rows) or rows[i + 1][0] != ""]

    def full(short: bool) -> list[RenderableType]:
        out = list(head)
        for name, header, rows in tables:
            shown = [(labels.get(r[0], r[0]) if short else r[0], *r[1:]) for r in rows]
            out += [
                Text(),
                title(name),
                whole_table(columns(header), shown, sections=sections(rows)),
            ]
        return out + ([Text(), *legend(list(labels.values()), names)] if short else [])

    def per_target() -> list[RenderableType]:
        out = list(head)
        for name, header, rows in tables:
            out += [Text(), title(name)]
            named: list[Row] = []
            for r in rows:  # every row with its variant's letter, grouped by target
                named.append((labels[r[0]] if r[0] else named[-1][0], *r[1:]))
            for target in dict.fromkeys(r[1] for r in named):
                mine = [(r[0], *r[2:]) for r in named if r[1] == target]
                shown = [
                    (r[0] if i == 0 or mine[i - 1][0] != r[0] else "", *r[1:])
                    for i, r in enumerate(mine)
                ]
                out += [
                    Text(target, style="bold"),
                    whole_table(columns([header[0], *header[2:]]), shown, sections=sections(shown)),
                    Text(),
                ]
        return out + legend(list(labels.values()), names)

    return [lambda: full(False), lambda: full(True), per_target]


def print_rich(result: FleetResult) -> None:
    from rich.console import Console

    from bgreplay.render.fit import first_that_fits

    console = Console(highlight=False, force_terminal=True)
    for renderable in first_that_fits(rich_layouts(result), console.width):
        console.print(renderable)
