"""The scenario format as a JSON Schema (draft-07), built from ``bgreplay.scenario.schema``.

Editors read it for completion, hover text and inline errors (the ``# yaml-language-server:
$schema=...`` line of a scenario). It checks shapes and value forms; rules across keys (a task
key only some types take, a trace and a persona together) stay with the loader's messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario import schema as S

if TYPE_CHECKING:
    from bgreplay.engine.profiles import Param

DRAFT = "http://json-schema.org/draft-07/schema#"

JsonObject = dict[str, object]
"""A JSON Schema object as ``json.dumps`` writes it."""


def _ref(json: Mapping[str, object]) -> JsonObject:
    """Section references point into ``definitions`` (draft-07)."""
    return {k: _definition(v) if k == "$ref" else _refs_in(v) for k, v in json.items()}


def _definition(ref: object) -> str:
    assert isinstance(ref, str)  # a $ref is a URI
    return "#/definitions/" + ref.removeprefix("#/$defs/")


def _refs_in(value: object) -> object:
    if isinstance(value, Mapping):
        return _ref(value)
    if isinstance(value, list):
        return [_refs_in(v) for v in value]
    return value


def _description(key: S.Key) -> str:
    text = key.meaning
    if key.only:
        text += f" ({key.only} only.)"
    if key.required:
        return f"{text} Required."
    return f"{text} Default: {key.shown_default.replace('`', '')}."


def _object(section: S.Section) -> JsonObject:
    out: JsonObject = {
        "type": "object",
        "description": section.intro,
        "properties": {
            k.name: {**_ref(dict(k.kind.json)), "description": _description(k)}
            for k in section.keys
        },
        "additionalProperties": False,
    }
    if section.required:
        out["required"] = list(section.required)
    return out


def _entry(section: S.Section, channels: Iterable[str], required: tuple[str, ...]) -> JsonObject:
    """A timeline entry: exactly one channel key, plus modifiers."""
    out = _object(section)
    out["oneOf"] = [{"required": [c]} for c in channels]
    if required:
        out["required"] = list(required)
    return out


def _param(param: Param) -> JsonObject:
    if param.unit == "ms":
        kind: JsonObject = dict(S.DURATION.json)
    elif param.unit == "bool":
        kind = {"type": "boolean"}
    else:
        kind = {"type": "number", "minimum": 0}
    return {
        **kind,
        "description": f"{param.description} ({param.unit}; {param.source}, {param.confidence})",
    }


def scenario_json_schema(
    params: Mapping[str, Param] = {}, metrics: Iterable[str] = ()
) -> JsonObject:
    """The JSON Schema; ``params`` (the engine's parameters) and ``metrics`` (metric names)
    add completion for ``scheduler.params`` and ``expect``."""
    defs: dict[str, JsonObject] = {}
    for section in S.SECTIONS:
        if section is S.TOP or section.free:
            continue
        if section is S.DAILY_ENTRY:
            defs[section.id] = _entry(section, S.DAILY_CHANNELS, ())
        elif section is S.EVENT_ENTRY:
            defs[section.id] = _entry(section, S.EVENT_CHANNELS, ("at",))
        else:
            defs[section.id] = _object(section)
    defs["apps"] = {
        "type": "object",
        "description": S.APPS.intro,
        "additionalProperties": {"$ref": "#/definitions/app"},
    }
    defs["tasks"] = {
        "type": "object",
        "description": S.TASKS.intro,
        "additionalProperties": {"$ref": "#/definitions/task"},
    }
    check: JsonObject = {"type": "string", "description": 'A check such as ">= 3" or "p(90) < 3h".'}
    forms: list[JsonObject] = [check, {"type": "array", "items": check}]
    written = {"anyOf": forms}
    robust = {
        "type": "object",
        "required": ["check"],
        "additionalProperties": False,
        "properties": {
            "check": written,
            "robust": {
                "type": "boolean",
                "description": "It must also hold at both ends of every "
                "uncertain model parameter (compare --sensitivity).",
            },
        },
    }
    checks: JsonObject = {
        "type": "object",
        "additionalProperties": {"anyOf": [*forms, robust]},
    }
    names = sorted(set(metrics))
    if names:
        checks["propertyNames"] = {"enum": names}
    defs["expect"] = {
        "type": "object",
        "description": S.EXPECT.intro,
        "additionalProperties": checks,
    }
    defs["variants"] = {
        "type": "object",
        "description": S.VARIANTS.intro,
        "additionalProperties": {"type": "object"},
    }
    defs["params"] = {
        "type": "object",
        "description": "Scheduler parameter overrides (`bgreplay profiles`).",
        "properties": {name: _param(p) for name, p in params.items()},
    }
    if params:
        defs["params"]["additionalProperties"] = False
    top = _object(S.TOP)
    return {"$schema": DRAFT, "title": "bgreplay scenario (format 1)", **top, "definitions": defs}
