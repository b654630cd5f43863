"""Xcode projects: the targets of a ``project.pbxproj`` and their build settings.

A ``project.pbxproj`` is an old-style (OpenStep) property list, which ``plistlib`` does not read;
``parse_openstep`` is a small parser of that format that keeps each key's line. Build settings
are resolved as Xcode does for the ones scan needs (``PRODUCT_BUNDLE_IDENTIFIER``,
``INFOPLIST_FILE``, ``INFOPLIST_KEY_*``, ``IPHONEOS_DEPLOYMENT_TARGET``): the target's
configuration over its ``.xcconfig``, over the project's configuration and its ``.xcconfig``,
``$(VAR)`` / ``${VAR}`` references and the ``:rfc1034identifier``, ``:lower``, ``:upper``
modifiers. The configuration used is the list's default (usually Release).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TypeAlias

from bgreplay.errors import Location

TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r]+) | (?P<newline>\n) | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<quoted>"(?:[^"\\]|\\.)*") | (?P<punct>[{}()=;,])
  | (?P<word>(?:[^\s{}()=;,"/]|/(?![/*]))+)
""",
    re.VERBOSE | re.DOTALL,
)
MAX_NESTING = 64
VARIABLE = re.compile(r"\$[({]([A-Za-z0-9_]+)(?::([A-Za-z0-9_,]+))?[)}]")
APP_PRODUCT = "com.apple.product-type.application"
XCCONFIG_LINE = re.compile(r"([A-Za-z0-9_]+)(?:\[[^\]]*\])*\s*=(.*)")


class NotAProject(Exception):
    """The file is not an old-style property list."""


class PDict(dict[str, "PValue"]):
    """A dictionary that remembers the line of each key."""

    lines: dict[str, int]


PValue: TypeAlias = str | list["PValue"] | PDict  # what an old-style property list holds


def parse_openstep(text: str) -> PDict:
    """Parse an OpenStep property list (``project.pbxproj``); ``NotAProject`` on bad syntax."""
    tokens: list[tuple[str, str, int]] = []
    line = 1
    pos = 0
    for m in TOKEN.finditer(text):
        if m.start() != pos:
            raise NotAProject(f"unexpected character at line {line}")
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None  # every alternative of TOKEN is a named group
        if kind == "newline":
            line += 1
        elif kind == "comment":
            line += m.group().count("\n")
        elif kind != "space":
            tokens.append((kind, m.group(), line))
    if pos != len(text):
        raise NotAProject(f"unexpected character at line {line}")
    parser = _Parser(tokens)
    value = parser.value(0)
    if not isinstance(value, PDict):
        raise NotAProject("the top level is not a dictionary")
    if parser.i != len(tokens):
        raise NotAProject(f"unexpected {tokens[parser.i][1]!r} at line {tokens[parser.i][2]}")
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]):  # (kind, text, line)
        self.tokens = tokens
        self.i = 0

    def _next(self) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            raise NotAProject("unexpected end of file")
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _expect(self, text: str) -> None:
        kind, value, line = self._next()
        if value != text or kind != "punct":
            raise NotAProject(f"expected {text!r} at line {line}, found {value!r}")

    def value(self, depth: int) -> PValue:
        if depth > MAX_NESTING:
            raise NotAProject("nested too deeply")
        kind, value, line = self._next()
        if kind == "quoted":
            return _unquote(value[1:-1])
        if kind == "word":
            return value
        if value == "{":
            out = PDict()
            out.lines = {}
            while True:
                kind, key, line = self._next()
                if key == "}" and kind == "punct":
                    return out
                if kind not in ("word", "quoted"):
                    raise NotAProject(f"expected a key at line {line}, found {key!r}")
                key = _unquote(key[1:-1]) if kind == "quoted" else key
                self._expect("=")
                out[key] = self.value(depth + 1)
                out.lines[key] = line
                self._expect(";")
        if value == "(":
            items: list[PValue] = []
            while True:
                if self.i < len(self.tokens) and self.tokens[self.i][1] == ")":
                    self.i += 1
                    return items
                items.append(self.value(depth + 1))
                kind, sep, line = self._next()
                if sep == ")":
                    return items
                if sep != ",":
                    raise NotAProject(f"expected ',' or ')' at line {line}, found {sep!r}")
        raise NotAProject(f"unexpected {value!r} at line {line}")


def _unquote(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Setting:
    value: str | list[PValue]
    loc: Location


@dataclass(slots=True)
class Target:
    """One target of a project with the build settings of its default configuration."""

    name: str
    product_type: str
    project: str  # the project.pbxproj, relative to the scanned folder
    source_root: str  # the folder holding the .xcodeproj, relative to the scanned folder
    configuration: str
    settings: dict[str, Setting] = field(default_factory=dict)  # lowest priority first

    @property
    def is_app(self) -> bool:
        return self.product_type == APP_PRODUCT

    def resolve(self, raw: str, depth: int = 0) -> str | None:
        """``raw`` with its ``$(VAR)`` references replaced; None when one is unknown."""
        unknown = False

        def sub(m: re.Match[str]) -> str:
            nonlocal unknown
            name, modifiers = m.group(1), m.group(2)
            value = self.get(name, depth + 1)
            if value is None:
                unknown = True
                return m.group(0)
            for mod in (modifiers or "").split(","):
                if mod == "rfc1034identifier":
                    value = re.sub(r"[^A-Za-z0-9.-]", "-", value)
                elif mod == "lower":
                    value = value.lower()
                elif mod == "upper":
                    value = value.upper()
                elif mod in ("c99extidentifier", "identifier"):
                    value = re.sub(r"[^A-Za-z0-9_]", "_", value)
            return value

        if depth > 16:
            return None
        out = VARIABLE.sub(sub, raw)
        return None if unknown else out

    def get(self, name: str, depth: int = 0) -> str | None:
        builtins = {
            "TARGET_NAME": self.name,
            "PROJECT_NAME": PurePosixPath(self.project).parent.stem,
            "SRCROOT": ".",
            "PROJECT_DIR": ".",
            "PRODUCT_BUNDLE_PACKAGE_TYPE": "APPL",
        }
        setting = self.settings.get(name)
        if setting is None:
            if name == "PRODUCT_NAME":
                return self.name
            return builtins.get(name)
        value = setting.value
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return self.resolve(value.replace("$(inherited)", "").strip(), depth)


XcconfigReader = Callable[[str, str], dict[str, Setting]]  # (path, source root) → its settings


def read_project(rel: str, text: str, xcconfig_reader: XcconfigReader) -> list[Target]:
    """The targets of one ``project.pbxproj``; ``xcconfig_reader(path, source_root)`` returns a
    file's settings (``{name: Setting}``) for ``baseConfigurationReference`` entries. A
    reference that is not an object's identifier (a list or a dictionary where an identifier
    belongs) names nothing."""
    doc = parse_openstep(text)
    objects = doc.get("objects")
    if not isinstance(objects, PDict):
        raise NotAProject("no objects")

    def named(ref: PValue | None) -> PDict | None:
        found = objects.get(ref) if isinstance(ref, str) else None
        return found if isinstance(found, PDict) else None

    def refs(value: PValue | None) -> list[PValue]:
        return value if isinstance(value, list) else []

    root = named(doc.get("rootObject", ""))
    xcodeproj = PurePosixPath(rel).parent
    source_root = str(xcodeproj.parent) if str(xcodeproj.parent) != "." else ""

    def config_settings(list_id: PValue | None) -> tuple[str, dict[str, Setting]]:
        config_list = named(list_id)
        if config_list is None:
            return "", {}
        found = map(named, refs(config_list.get("buildConfigurations")))
        configs = [c for c in found if c is not None]
        default = config_list.get("defaultConfigurationName", "Release")
        chosen = next((c for c in configs if c.get("name") == default), None) or (
            configs[0] if configs else None
        )
        if chosen is None:
            return "", {}
        out: dict[str, Setting] = {}
        ref = named(chosen.get("baseConfigurationReference"))
        path = ref.get("path") if ref is not None else None
        if isinstance(path, str):
            out.update(xcconfig_reader(path, source_root))
        settings = chosen.get("buildSettings")
        if isinstance(settings, PDict):
            for key, value in settings.items():
                if isinstance(value, str | list):
                    out[key] = Setting(value, Location(rel, settings.lines.get(key, 0), 0))
        return str(chosen.get("name", "")), out

    _, project_settings = config_settings(
        root.get("buildConfigurationList") if root is not None else None
    )
    targets = []
    for target_id in refs(root.get("targets")) if root is not None else []:
        target = named(target_id)
        if target is None or target.get("isa") != "PBXNativeTarget":
            continue
        name, own = config_settings(target.get("buildConfigurationList"))
        merged = {**project_settings, **own}
        targets.append(
            Target(
                str(target.get("name", "")),
                str(target.get("productType", "")),
                rel,
                source_root,
                name,
                merged,
            )
        )
    return targets


def read_xcconfig(rel: str, text: str) -> dict[str, Setting]:
    """``KEY = value`` lines of an ``.xcconfig`` (``#include`` is not followed)."""
    out: dict[str, Setting] = {}
    for number, line in enumerate(text.splitlines(), 1):
        # KEY[sdk=iphoneos*] = value: conditional settings are taken as they are
        m = XCCONFIG_LINE.match(line.split("//", 1)[0].strip())
        if m:
            out[m.group(1)] = Setting(m.group(2).strip(), Location(rel, number, 0))
    return out
