"""Parameters that note which of them a replay reads (``Replay(record_params=True)``).

``compare --sensitivity`` skips a parameter the replay never read: it cannot change it. Noting
reads needs an attribute hook, so a recording replay always runs the pure-Python engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from bgreplay.engine.params import Params


class RecordingParams(Params):
    """``Params`` that note the name of every parameter read (not for the compiled engine)."""

    read: set[str]

    def __init__(self, values: Mapping[str, object]) -> None:
        object.__setattr__(self, "read", set())
        super().__init__(values)

    def __getattribute__(self, name: str) -> object:
        if name in _NAMES:
            object.__getattribute__(self, "read").add(name)
        return object.__getattribute__(self, name)


_NAMES = frozenset(Params.__annotations__)
