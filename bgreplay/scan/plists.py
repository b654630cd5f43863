"""Info.plist and entitlements files, XML or binary (``plistlib``), with the line of each value
in an XML file so that the scenario can say where it came from."""

from __future__ import annotations

import plistlib
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from bgreplay.errors import Location

PERMITTED_KEY = "BGTaskSchedulerPermittedIdentifiers"
MODES_KEY = "UIBackgroundModes"
BUNDLE_KEY = "CFBundleIdentifier"
ENTITLEMENTS = {  # entitlement key → the scenario's ``entitlements`` name
    "com.apple.developer.backgroundtasks.healthresearch": "healthresearch",  # F97
    "com.apple.developer.background-tasks.continued-processing.gpu": "continued_processing_gpu",
}


@dataclass(frozen=True, slots=True)
class Sourced:
    """A value and where it was read."""

    value: str
    loc: Location


@dataclass(slots=True)
class InfoPlist:
    rel: str
    bundle_id: Sourced | None = None
    permitted: list[Sourced] = field(default_factory=list)
    modes: list[Sourced] = field(default_factory=list)
    permitted_key: Location | None = None
    modes_key: Location | None = None
    is_app: bool = False  # CFBundlePackageType APPL, or no type but a bundle identifier


class NotAPlist(Exception):
    """The file is not a property list plistlib can read."""


def read_plist(rel: str, data: bytes) -> dict:  # noqa: ARG001 - unread here; its callers pass it
    try:
        value = plistlib.loads(data)
    except Exception as exc:  # plistlib raises several types for damaged input
        raise NotAPlist(f"not a readable property list ({type(exc).__name__}: {exc})") from None
    if not isinstance(value, dict):
        raise NotAPlist("a property list whose top level is not a dictionary")
    return value


class _Lines:
    """Line numbers of keys and string values in an XML property list (binary: none)."""

    def __init__(self, data: bytes):
        self.text = data.decode("utf-8", "replace") if data.lstrip().startswith(b"<") else ""
        self.starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def _line(self, offset: int) -> int:
        lo, hi = 0, len(self.starts)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return lo + 1

    def key(self, key: str) -> tuple[int, int]:
        """(line, offset) of ``<key>key</key>``; (0, -1) when not found."""
        at = self.text.find(f"<key>{escape(key)}</key>")
        return (self._line(at), at) if at >= 0 else (0, -1)

    def string_after(self, value: str, start: int) -> int:
        if start < 0:
            return 0
        at = self.text.find(f"<string>{escape(value)}</string>", start)
        return self._line(at) if at >= 0 else 0


def read_info_plist(rel: str, data: bytes) -> InfoPlist:
    """The background-task facts of one Info.plist (``NotAPlist`` when unreadable)."""
    doc = read_plist(rel, data)
    lines = _Lines(data)
    info = InfoPlist(rel)

    def loc(line: int) -> Location:
        return Location(rel, line, 0)

    bundle = doc.get(BUNDLE_KEY)
    if isinstance(bundle, str):
        line, at = lines.key(BUNDLE_KEY)
        info.bundle_id = Sourced(bundle, loc(lines.string_after(bundle, at) or line))
    kind = doc.get("CFBundlePackageType")
    info.is_app = kind in ("APPL", "$(PRODUCT_BUNDLE_PACKAGE_TYPE)") or (
        kind is None and "NSExtension" not in doc and bundle is not None
    )
    for key, target in ((PERMITTED_KEY, info.permitted), (MODES_KEY, info.modes)):
        values = doc.get(key)
        if values is None:
            continue
        line, at = lines.key(key)
        if key == PERMITTED_KEY:
            info.permitted_key = loc(line)
        else:
            info.modes_key = loc(line)
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str):
                target.append(Sourced(value, loc(lines.string_after(value, at) or line)))
    return info


def read_entitlements(rel: str, data: bytes) -> list[Sourced]:
    """The entitlements that change the scheduler's rules (health research, background GPU)."""
    doc = read_plist(rel, data)
    lines = _Lines(data)
    found = []
    for key, name in ENTITLEMENTS.items():
        if doc.get(key) not in (None, False):
            found.append(Sourced(name, Location(rel, lines.key(key)[0], 0)))
    return found
