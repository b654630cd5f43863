"""Glyphs, colours and consoles shared by every renderer.

Every mark has a distinct glyph *and* a colour, so plain output (``NO_COLOR``, a pipe, a file)
keeps the same layout and still reads; colour only adds emphasis. Glyphs are one terminal cell
wide (block elements, a few symbols common to every monospace font).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import IO, cast

from rich.console import Console

PLAIN_WIDTH = 100  # width of plain output written to a pipe or file, and of the golden files


@dataclass(frozen=True, slots=True)
class Mark:
    """One cell's content: a glyph, its style and its priority among marks in the same cell."""

    glyph: str
    style: str
    priority: int
    meaning: str


# -- task lanes (priority: the most telling thing in a cell wins) -------------------------------
KILLED = Mark("†", "bold red", 90, "killed")
CRASHED = Mark("‡", "bold red", 88, "app crashed")
FAILURE = Mark("✗", "red", 80, "completed, failure")
EXPIRED = Mark("!", "bold yellow", 70, "expired")
SUCCESS = Mark("✓", "bold green", 60, "completed, success")
SUBMIT_FAILED = Mark("⊘", "red", 55, "submit failed")
LAUNCHED = Mark("▸", "bold cyan", 50, "launched")
CANCELLED = Mark("∅", "yellow", 45, "cancelled")
REPLACED = Mark("↻", "blue", 41, "replaced by a new submit")
SUBMITTED = Mark("+", "bold blue", 40, "submitted")
RUNNING = Mark("━", "cyan", 30, "running")
PENDING = Mark("·", "bright_black", 10, "pending")
THROTTLE_STYLE = "magenta"
THRESHOLD_STYLE = "yellow"
THROTTLE_PRIORITY = 20

TASK_MARKS = (
    SUBMITTED,
    REPLACED,
    SUBMIT_FAILED,
    PENDING,
    LAUNCHED,
    RUNNING,
    SUCCESS,
    FAILURE,
    EXPIRED,
    KILLED,
    CANCELLED,
    CRASHED,
)

# -- device lanes ---------------------------------------------------------------------------------
UNLOCKED = Mark("░", "blue", 1, "unlocked")
OTHER_APP = Mark("▒", "blue", 2, "another app in use")
OWN_APP = Mark("█", "bold bright_blue", 3, "in use")  # meaning completed with the app names
OFF = Mark("_", "red", 4, "off")
BOOT = Mark("^", "bold yellow", 5, "boot")
FORCE_QUIT = Mark("X", "bold red", 6, "force quit")
PLUGGED = Mark("█", "green", 1, "on external power")
WIFI = Mark("▇", "cyan", 1, "Wi-Fi")
CELLULAR = Mark("▃", "yellow", 1, "cellular")
LOW_POWER = Mark("L", "bold yellow", 2, "Low Power Mode")
THERMAL = {
    "fair": Mark("░", "yellow", 1, "fair"),
    "serious": Mark("▒", "dark_orange", 3, "serious"),
    "critical": Mark("▓", "bold red", 4, "critical"),
}
SPARK = "▁▂▃▄▅▆▇█"


def battery_style(level: float) -> str:
    return "red" if level <= 20 else "yellow" if level <= 50 else "green"


def battery_glyph(level: float) -> str:
    return SPARK[max(0, min(len(SPARK) - 1, int(level / (100 / len(SPARK)))))]


# -- throttling: one letter per blocking reason (``bgreplay.engine.policies.REASONS``) ----------
def policy_letter(policy: str | None) -> str:
    """The letter drawn in throttled cells (each reason's own, from the policies)."""
    from bgreplay.engine.policies import REASONS

    known = REASONS.get(policy or "")
    return known.letter if known is not None else "?"


def policy_title(policy: str) -> str:
    """The policy's display name (``Battery level``), as ``bgreplay explain`` prints it."""
    from bgreplay.analysis.explain import title

    return title(policy)


def throttle_style(policy: str | None) -> str:
    return THRESHOLD_STYLE if policy == "threshold" else THROTTLE_STYLE


# -- summaries --------------------------------------------------------------------------------
BAD = "bold red"
WARN = "yellow"
GOOD = "green"
DIM = "bright_black"
TITLE = "bold"


# -- consoles -----------------------------------------------------------------------------------
def wants_plain(file: IO[str] | None = None) -> bool:
    """Plain text (no escape codes at all) for ``NO_COLOR``, ``TERM=dumb`` or a non-terminal."""
    stream = file if file is not None else sys.stdout
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return not (isatty and isatty())
    except ValueError:  # closed stream
        return True


class TrimmedLines:
    """A text stream that drops trailing spaces before each newline: rich pads table rows to
    the table's width, which plain files and golden files are better without."""

    def __init__(self, stream: IO[str]):
        self._stream = stream
        self._pending = ""

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return False


def measuring_console(width: int) -> Console:
    """A console that only measures or folds text, and reads it as the report consoles print
    it: literally (no markup, emoji codes or highlighting), so a table is as wide as measured."""
    import io

    return Console(
        width=width,
        color_system=None,
        file=io.StringIO(),
        markup=False,
        emoji=False,
        highlight=False,
    )


def make_console(
    file: IO[str] | None = None,
    *,
    width: int | None = None,
    plain: bool | None = None,
    record: bool = False,
) -> Console:
    """A console for reports: colour on a terminal; plain (``color_system=None``, so not even bold
    or underline escapes) otherwise. Plain output to a pipe is 100 columns unless ``COLUMNS``
    says otherwise."""
    stream = file if file is not None else sys.stdout
    if plain is None:
        plain = wants_plain(stream)
    if plain:
        if width is None:
            columns = os.environ.get("COLUMNS", "")
            width = int(columns) if columns.isdigit() and int(columns) > 0 else PLAIN_WIDTH
        return Console(
            # rich annotates ``file`` as a whole IO[str] but only writes, flushes and asks
            # isatty and encoding, which is all TrimmedLines is
            file=cast(IO[str], TrimmedLines(stream)),
            width=width,
            color_system=None,
            force_terminal=False,
            force_interactive=False,
            highlight=False,
            emoji=False,
            markup=False,
            soft_wrap=False,
            record=record,
            legacy_windows=False,
        )
    return Console(
        file=stream,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        record=record,
        force_terminal=True if record else None,
    )
