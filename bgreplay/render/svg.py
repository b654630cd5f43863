"""``bgreplay run --svg FILE``: the coloured text report as an SVG that every renderer draws alike.

Each run of same-style characters between spaces is a ``<text>`` with its own ``x`` (its column
times the cell width) and a ``textLength`` of its cells, and no text starts or ends with a
space: nothing relies on how a renderer treats whitespace or on a font's advance widths.
(rich's own SVG export leans on leading non-breaking spaces, which librsvg drops: the timeline's
hour axis then sat one hour left of its lanes.)
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from pathlib import Path

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import SVG_EXPORT_THEME

from bgreplay.engine.records import ReplayResult
from bgreplay.fsutil import write_atomic
from bgreplay.render.report import render_run
from bgreplay.render.theme import PLAIN_WIDTH, make_console

CELL_WIDTH = 8.4  # px per terminal cell
LINE_HEIGHT = 17.0  # px per line
FONT_SIZE = 14
MARGIN = 16.0  # px around the text
BASELINE = 13.0  # px from a line's top to its text's baseline
FONT = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
THEME = SVG_EXPORT_THEME
FULL_BLOCK = "█"


def report_lines(
    result: ReplayResult, *, width: int = PLAIN_WIDTH, **options
) -> list[list[Segment]]:
    """The coloured report (``render_run`` options) at ``width`` columns, as styled segments per
    line: what the SVG draws, cell by cell."""
    console = make_console(io.StringIO(), width=width, plain=False, record=True)
    render_run(result, console, **options)
    return list(Segment.split_and_crop_lines(console._record_buffer, width, pad=False))


def cell_x(column: int) -> float:
    """The x of a terminal column's left edge in the SVG."""
    return MARGIN + column * CELL_WIDTH


def line_top(row: int) -> float:
    """The y of a line's top edge in the SVG."""
    return MARGIN + row * LINE_HEIGHT


def _hex(color, default) -> str:
    triplet = color.get_truecolor(THEME) if color is not None else default
    return triplet.hex


def _words(text: str) -> Iterator[tuple[int, str]]:
    """(cell offset, word) for every run of characters that are not white space."""
    offset, word, start = 0, "", 0
    for ch in text:
        if ch.isspace():
            if word:
                yield start, word
                word = ""
        else:
            if not word:
                start = offset
            word += ch
        offset += cell_len(ch)
    if word:
        yield start, word


def _text(x: float, y: float, word: str, style: Style) -> str:
    attrs = [
        f'x="{x:.1f}"',
        f'y="{y:.1f}"',
        f'textLength="{cell_len(word) * CELL_WIDTH:.1f}"',
        'lengthAdjust="spacingAndGlyphs"',
    ]
    colour = _hex(style.bgcolor if style.reverse else style.color, THEME.foreground_color)
    if colour != THEME.foreground_color.hex:
        attrs.append(f'fill="{colour}"')
    if style.bold:
        attrs.append('font-weight="bold"')
    if style.dim:
        attrs.append('opacity="0.6"')
    if style.italic:
        attrs.append('font-style="italic"')
    if style.underline:
        attrs.append('text-decoration="underline"')
    return f"<text {' '.join(attrs)}>{html.escape(word)}</text>"


def svg_document(lines: list[list[Segment]], columns: int, title: str) -> str:
    width = 2 * MARGIN + columns * CELL_WIDTH
    height = 2 * MARGIN + len(lines) * LINE_HEIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}" fill="{THEME.foreground_color.hex}">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="100%" height="100%" fill="{THEME.background_color.hex}"/>',
    ]
    for row, line in enumerate(lines):
        column = 0
        for text, style, control in line:
            if control:
                continue
            style = style or Style()
            cells = cell_len(text)
            background = style.color if style.reverse else style.bgcolor
            if background is not None and cells:
                out.append(
                    f'<rect x="{cell_x(column):.1f}" y="{line_top(row):.1f}" '
                    f'width="{cells * CELL_WIDTH:.1f}" height="{LINE_HEIGHT:.1f}" '
                    f'fill="{_hex(background, THEME.background_color)}"/>'
                )
            for offset, word in _words(text):
                x = cell_x(column + offset)
                if set(word) == {FULL_BLOCK}:  # a solid bar: a rectangle, without seams
                    colour = _hex(style.color, THEME.foreground_color)
                    out.append(
                        f'<rect x="{x:.1f}" y="{line_top(row) + 1:.1f}" '
                        f'width="{len(word) * CELL_WIDTH:.1f}" '
                        f'height="{LINE_HEIGHT - 2:.1f}" fill="{colour}"/>'
                    )
                else:
                    out.append(_text(x, line_top(row) + BASELINE, word, style))
            column += cells
    out.append("</svg>")
    return "\n".join(out) + "\n"


def report_svg(result: ReplayResult, *, width: int = PLAIN_WIDTH, **options) -> str:
    """The report (``render_run`` options) drawn in colour at ``width`` columns."""
    return svg_document(
        report_lines(result, width=width, **options),
        width,
        f"bgreplay run — {result.scenario.name}",
    )


def write_svg(result: ReplayResult, path: str | Path, **options) -> None:
    write_atomic(path, report_svg(result, **options))
