"""Tables that never cut a name or a number, for a terminal of any width.

No cell may wrap or be cropped: a name must stay copyable (into ``--set``, a grep) and a number
readable. A command offers its layouts from the most to the least direct — the full table; long
names replaced by letters with a legend; one table per target; the value columns in groups —
and the first one that fits the terminal is printed.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich import box
from rich.console import RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from bgreplay.render.theme import measuring_console

Layout = Callable[[], list[RenderableType]]
_MEASURE = measuring_console(10_000)


@dataclass(frozen=True, slots=True)
class Col:
    header: str
    right: bool = False


def whole_table(
    columns: Sequence[Col], rows: Iterable[Sequence[Text | str]], *, sections: Sequence[int] = ()
) -> Table:
    """A table whose cells are never wrapped; a rule follows each row index in ``sections``.
    Titles are printed as lines of their own (a table would fold a long one to its width)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for col in columns:
        table.add_column(col.header, justify="right" if col.right else "left", no_wrap=True)
    for i, row in enumerate(rows):
        table.add_row(*row, end_section=i in sections)
    return table


def natural_width(renderables: Sequence[RenderableType]) -> int:
    """The widest line the renderables print when nothing is wrapped."""
    return max(
        (
            Measurement.get(_MEASURE, _MEASURE.options, r).maximum
            for r in renderables
            if not isinstance(r, Text)
        ),
        default=0,
    )


def min_width(renderable: RenderableType) -> int:
    """The narrowest a renderable can be drawn without cutting (wrapping columns at words)."""
    return Measurement.get(_MEASURE, _MEASURE.options, renderable).minimum


def first_that_fits(layouts: Sequence[Layout], width: int) -> list[RenderableType]:
    """The first layout whose tables fit ``width``; the last one when none does."""
    for layout in layouts[:-1]:
        out = layout()
        if natural_width(out) <= width:
            return out
    return layouts[-1]()


def letters(n: int) -> list[str]:
    """``A``..``Z``, then ``AA``, ``AB``...: short stand-ins for long names."""
    alphabet = string.ascii_uppercase
    out = []
    for i in range(n):
        label = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            label = alphabet[r] + label
        out.append(label)
    return out


def legend(labels: Sequence[str], names: Sequence[str]) -> list[Text]:
    """One line per stand-in: ``A  when=[app_launch] earliest_begin=15m``."""
    w = max((len(label) for label in labels), default=0)
    return [
        Text.assemble((label.ljust(w), "bold"), "  ", name)
        for label, name in zip(labels, names, strict=True)
    ]


def groups(n: int, size: int) -> list[range]:
    """``range(n)`` in as few consecutive groups of at most ``size`` as possible, balanced."""
    count = -(-n // max(size, 1))
    even = -(-n // max(count, 1))
    return [range(i, min(i + even, n)) for i in range(0, n, max(even, 1))]


def title(text: str) -> Text:
    return Text(text, style="bold")
