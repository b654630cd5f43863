"""Safe YAML read into a tree of located nodes (SPEC §4: loaded safely, every error has a place).

``yaml.compose`` gives nodes with marks but no Python objects, so nothing is ever constructed from
a tag. We turn that node graph into ``Node`` values that keep the line and column of every key and
value, refuse duplicate keys, and refuse documents whose aliases expand beyond a sane size (the
"billion laughs" file) before any expansion happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bgreplay.errors import InputError, Location, Problem

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
# The tag an untagged mapping or list carries; any other tag was written explicitly.
_PLAIN_TAGS: dict[type[yaml.Node], str] = {
    yaml.MappingNode: _TAG + "map",
    yaml.SequenceNode: _TAG + "seq",
}
_SAFE = yaml.SafeLoader("")  # only for its scalar constructors (bool, int, float)
# libyaml is ~10x faster and caps nesting at 1000 levels itself; the pure-Python loader is the
# fallback (its own recursion limit is caught below).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    """One YAML value with where it was written.

    ``value`` is ``dict[str, Node]`` for a mapping, ``list[Node]`` for a sequence, or a plain
    scalar (str, int, float, bool, None). ``raw`` is a scalar's source text, ``keys`` the place
    of each key of a mapping. Nodes are never mutated: overrides build new ones.
    """

    value: object
    loc: Location
    raw: str | None = None
    keys: Mapping[str, Location] | None = None

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, dict | list)

    @property
    def map(self) -> dict[str, Node]:
        assert isinstance(self.value, dict)
        return self.value

    @property
    def items(self) -> list[Node]:
        assert isinstance(self.value, list)
        return self.value

    def text(self) -> str:
        """A scalar as the user typed it (``26.1`` stays ``"26.1"``, ``12:30`` stays a time)."""
        if self.raw is not None:
            return self.raw
        return "" if self.value is None else str(self.value)


def relocated(node: Node, loc: Location) -> Node:
    """The same value with every location replaced by ``loc`` (a value typed in ``--set``)."""
    if node.is_map:
        return Node(
            {k: relocated(v, loc) for k, v in node.map.items()},
            loc,
            None,
            {k: loc for k in node.map},
        )
    if node.is_list:
        return Node([relocated(v, loc) for v in node.items], loc)
    return Node(node.value, loc, node.raw)


def _loc(file: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(file)
    return Location(file, mark.line + 1, mark.column + 1)


_SYNTAX_FIXES = (
    (
        "cannot start any token",
        "indent with spaces, not tabs, and quote values that start with "
        "characters such as @ ` % or >",
    ),
    (
        "mapping values are not allowed",
        "quote a value that contains ': ', or check the indentation of this line",
    ),
    (
        "exceeded maximum nesting depth",
        f"flatten the structure; keep nesting under {MAX_DEPTH} levels",
    ),
    (
        "could not find expected ':'",
        "each line of a mapping is 'key: value'; check the indentation and close any open quote",
    ),
    ("undefined alias", "define the anchor (&name) before the alias (*name) that uses it"),
    ("expected a single document", "keep one scenario per file: remove the second '---'"),
    (
        "unacceptable character",
        "remove the control character, or save the file as plain UTF-8 text",
    ),
)


def _syntax_problem(exc: yaml.YAMLError, file: str) -> Problem:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem(Location(file), f"YAML syntax error: {exc}", "check the file's syntax")
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "syntax error"
    if exc.context:
        what = f"{exc.context}, {what}"
        if (
            exc.context_mark is not None
            and exc.problem_mark is not None
            and (exc.context_mark.line != exc.problem_mark.line)
        ):
            what += f" (started at line {exc.context_mark.line + 1})"
    fix = next(
        (f for key, f in _SYNTAX_FIXES if key in what),
        "check the indentation and quoting on this line and the line above it",
    )
    return Problem(_loc(file, mark), f"YAML syntax error: {what}", fix)


def parse_text(text: str, file: str) -> Node | None:
    """Parse one YAML document into nodes; ``None`` for an empty document.

    Raises ``InputError`` for syntax errors, duplicate keys, unsupported tags and documents
    that are too large or too deep once aliases are expanded.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise InputError(_syntax_problem(exc, file)) from None
    except RecursionError:
        raise InputError(
            Problem(
                Location(file),
                "the YAML is nested too deeply",
                f"keep nesting under {MAX_DEPTH} levels",
            )
        ) from None
    if root is None:
        return None
    conv = _Converter(file)
    conv.measure(root, 0)
    node = conv.convert(root)
    if conv.problems:
        raise InputError(conv.problems)
    return node


def read_yaml(path: Path, label: str | None = None) -> Node | None:
    """Read a YAML file safely: a regular file only, at most ``MAX_BYTES`` of it (never more
    is read: ``/dev/zero`` or a named pipe is refused at once), then UTF-8 (BOM and CRLF
    tolerated)."""
    from bgreplay.fsutil import not_a_file, read_regular

    file = label or str(path)
    why = not_a_file(path)
    if why is not None:
        fixes = {
            "file not found": "check the path and the current folder",
            "this is a folder, not a file": "pass the path of a .yaml file",
        }
        raise InputError(Problem(Location(file), why, fixes.get(why, "pass a .yaml file")))
    try:
        data = read_regular(path, MAX_BYTES)
    except OSError as exc:  # replaced by something else since, or unreadable
        raise InputError(
            Problem(Location(file), f"cannot read the file ({exc.strerror})", "check the path")
        ) from None
    if len(data) > MAX_BYTES:
        size = max(len(data), path.stat().st_size)
        raise InputError(
            Problem(
                Location(file),
                f"the file is {size / 1e6:.1f} MB; scenarios are limited to "
                f"{MAX_BYTES // (1024 * 1024)} MB",
                "move long device timelines into a trace file (device.trace: FILE.csv or .parquet)",
            )
        )
    return parse_text(decode(data, file), file)


def decode(data: bytes, file: str) -> str:
    """UTF-8 text with a clear error (and its line and column) for anything else."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            Problem(Location(file, 1, 1), "the file is UTF-16 encoded", "save it as UTF-8")
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            Problem(
                Location(file, line, column),
                f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                "save the file as UTF-8 (most editors: 'Save with encoding' → UTF-8)",
            )
        ) from None


class _Converter:
    """Turns a composed node graph into ``Node`` values, counting expanded size first."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self._size: dict[int, int] = {}
        self._height: dict[int, int] = {}
        self._open: set[int] = set()
        self._done: dict[int, Node] = {}

    def _refuse(self, node: yaml.Node, message: str, fix: str) -> None:
        raise InputError(Problem(_loc(self.file, node.start_mark), message, fix))

    def measure(self, node: yaml.Node, depth: int) -> int:
        """Expanded node count below ``node``; refuses too big, too deep or recursive graphs."""
        key = id(node)
        if key in self._size:
            if depth + self._height[key] > MAX_DEPTH:
                self._too_deep(node)
            return self._size[key]
        if depth > MAX_DEPTH:
            self._too_deep(node)
        if key in self._open:
            self._refuse(
                node,
                "an alias refers to the collection that contains it (a recursive structure)",
                "replace the alias with a copy of the values",
            )
        self._open.add(key)
        size, height = 1, 0
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children += [k, v]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        for child in children:
            size += self.measure(child, depth + 1)
            height = max(height, self._height[id(child)] + 1)
            if size > MAX_NODES:
                self._refuse(
                    node,
                    f"the document expands to more than {MAX_NODES:,} values "
                    "through anchors and aliases",
                    "write the values out, or move long timelines into a trace file",
                )
        self._open.discard(key)
        self._size[key], self._height[key] = size, height
        return size

    def _too_deep(self, node: yaml.Node) -> None:
        self._refuse(
            node,
            f"the YAML is nested more than {MAX_DEPTH} levels deep",
            "flatten the structure; a scenario needs only a few levels",
        )

    def convert(self, node: yaml.Node) -> Node:
        done = self._done.get(id(node))
        if done is not None:
            return done
        loc = _loc(self.file, node.start_mark)
        plain = _PLAIN_TAGS.get(type(node))
        if plain is not None and node.tag != plain:  # `!!python/object [...]`: never constructed
            self.problems.append(
                Problem(
                    loc,
                    f"the YAML tag {node.tag!r} is not supported",
                    "remove the tag; bgreplay reads plain YAML values only",
                )
            )
        if isinstance(node, yaml.MappingNode):
            out = self._mapping(node, loc)
        elif isinstance(node, yaml.SequenceNode):
            out = Node([self.convert(v) for v in node.value], loc)
        else:
            assert isinstance(node, yaml.ScalarNode)  # the third and last kind of YAML node
            out = Node(self._scalar(node, loc), loc, node.value)
        self._done[id(node)] = out
        return out

    def _mapping(self, node: yaml.MappingNode, loc: Location) -> Node:
        values: dict[str, Node] = {}
        keys: dict[str, Location] = {}
        merged: list[Node] = []
        for knode, vnode in node.value:
            kloc = _loc(self.file, knode.start_mark)
            if knode.tag == _MERGE:
                merged += self._merge_sources(vnode)
                continue
            if not isinstance(knode, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        kloc,
                        "a key must be a plain name, not a list or a mapping",
                        "write the key as text",
                    )
                )
                continue
            name = knode.value
            if name in values:
                first = keys[name]
                self.problems.append(
                    Problem(
                        kloc,
                        f"duplicate key '{name}' (first written at line {first.line})",
                        "remove one of the two; YAML keeps only one of them",
                    )
                )
                continue
            values[name], keys[name] = self.convert(vnode), kloc
        for source in merged:  # explicit keys win, then earlier merge sources (YAML merge rule)
            for name, value in source.map.items():
                if name not in values:
                    values[name] = value
                    keys[name] = (source.keys or {}).get(name, source.loc)
        return Node(values, loc, None, keys)

    def _merge_sources(self, vnode: yaml.Node) -> list[Node]:
        sources = vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]
        out = []
        for s in sources:
            converted = self.convert(s)
            if converted.is_map:
                out.append(converted)
            else:
                self.problems.append(
                    Problem(
                        converted.loc,
                        "'<<' merges only mappings",
                        "use '<<: *anchor' where the anchor is a mapping",
                    )
                )
        return out

    def _scalar(self, node: yaml.ScalarNode, loc: Location) -> object:
        tag, text = node.tag, node.value
        if tag in (_TAG + "str", _TAG + "timestamp"):  # dates and times are parsed by us
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return _SAFE.construct_yaml_bool(node)
        if tag in (_TAG + "int", _TAG + "float"):
            if ":" in text:  # YAML 1.1 base 60 (12:30 == 750): keep clock times as text
                return text
            try:
                if tag.endswith("int"):
                    return _SAFE.construct_yaml_int(node)
                return _SAFE.construct_yaml_float(node)
            except ValueError:  # e.g. an integer of thousands of digits
                self.problems.append(
                    Problem(loc, "this number is too large", "use a smaller number")
                )
                return text
        self.problems.append(
            Problem(
                loc,
                f"the YAML tag {tag!r} is not supported",
                "remove the tag; bgreplay reads plain YAML values only",
            )
        )
        return text
