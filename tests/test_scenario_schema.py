"""The scenario format is documented from the schema the loader uses: docs/scenario.md and the
JSON Schema are up to date, every example on the page loads, every bundled scenario validates
against the JSON Schema, and every documented default is what leaving the key out gives."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from bgreplay import api
from bgreplay.scenario import schema as S
from bgreplay.scenario.reference import examples
from bgreplay.scenario.yamlnodes import Node, parse_text, read_yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenario.md"
SCHEMA_FILE = ROOT / "docs" / "scenario.schema.json"
BUNDLED = sorted((ROOT / "scenarios").rglob("*.yaml"))


def plain(node: Node | None) -> object:
    """A YAML node as the plain data an editor's YAML 1.2 parser sees (times stay text)."""
    if node is None:
        return None
    if node.is_map:
        return {k: plain(v) for k, v in node.map.items()}
    if node.is_list:
        return [plain(v) for v in node.items]
    return node.value


@pytest.fixture(scope="module")
def validator():
    schema = api.scenario_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator, data) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_the_reference_page_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == api.scenario_reference(), (
        "docs/scenario.md is stale: run `bgreplay schema --format markdown > docs/scenario.md`"
    )


def test_the_shipped_json_schema_is_up_to_date(run_cli):
    code, out, err = run_cli("schema")
    assert code == 0, err
    assert json.loads(out) == api.scenario_schema()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == out, (
        "docs/scenario.schema.json is stale: run `bgreplay schema > docs/scenario.schema.json`"
    )


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_scenario_validates_against_the_json_schema(validator, path):
    assert _errors(validator, plain(read_yaml(path))) == []


def _in_scenarios_folder(tmp_path: Path, name: str, text: str) -> Path:
    """Where a reader of the page would save an example (its paths are relative to it)."""
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    if not (tmp_path / "traces").exists():
        (tmp_path / "traces").symlink_to(ROOT / "traces")
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name,text", examples(), ids=[n for n, _ in examples()])
def test_every_example_of_the_page_loads_lints_clean_and_matches_the_json_schema(
    tmp_path, validator, name, text
):
    path = _in_scenarios_folder(tmp_path, name, text)
    warnings = api.validate_file(path)
    assert warnings == [], [w.render() for w in warnings]
    errors = [f for f in api.lint(api.load_scenario(path)) if f.severity == "error"]
    assert errors == []
    assert _errors(validator, plain(parse_text(text, name))) == []


def test_the_json_schema_refuses_what_the_loader_refuses(validator, tmp_path):
    """A few classic mistakes: both refuse them, so an editor flags what `run` would."""
    base = dict(plain(parse_text(examples()[0][1], "x")))  # type: ignore[arg-type]
    mistakes = {
        "timzone": ("timzone", "UTC"),
        "a duration without unit": ("duration", "3600"),
        "a seed in words": ("seed", "seven"),
    }
    for what, (key, value) in mistakes.items():
        doc = {**base, key: value}
        assert _errors(validator, doc), what
        path = _in_scenarios_folder(tmp_path, "m", json.dumps(doc))
        with pytest.raises(api.InputError):
            api.load_scenario(path)


# -- documented defaults are the loader's defaults --------------------------------------------

DEFAULTS_BASE = """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 2d
device:
  ios: "26.1"
  persona: {name: office_worker}
  timeline: {}
apps:
  io.example.idle: {}
  io.example.app:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.example.app.refresh, io.example.app.sync, io.example.app.study,
                            io.example.app.export.*]
    entitlements: [healthresearch]
    tasks:
      io.example.app.refresh: {type: refresh}
      io.example.app.sync: {type: processing, handler: {network: {}}}
      io.example.app.study: {type: health_research}
      io.example.app.export.video:
        type: continued_processing
        submit: {when: [user_action]}
"""
_APP = ("apps", "io.example.app")
_IDLE = ("apps", "io.example.idle")  # app-level keys: an app whose tasks need none of them
_TASK_FOR = {
    "": "refresh",
    "processing family": "sync",
    "health_research": "study",
    "continued_processing": "export.video",
}


def _paths(section: S.Section, key: S.Key) -> list[tuple[str, ...]]:
    task = (*_APP, "tasks", f"io.example.app.{_TASK_FOR[key.only]}")
    where = {
        "scenario": (),
        "device": ("device",),
        "battery": ("device", "battery"),
        "persona": ("device", "persona"),
        "timeline": ("device", "timeline"),
        "app": _IDLE,
        "content": (*_IDLE, "content"),
        "task": task,
        "submit": (*task, "submit"),
        "handler": (*task, "handler"),
        "network_use": (*_APP, "tasks", "io.example.app.sync", "handler", "network"),
        "scheduler": ("scheduler",),
    }
    return [(*where[section.id], key.name)] if section.id in where else []


DEFAULTS = [(s, k) for s in S.SECTIONS for k in s.keys if k.default is not None]


@pytest.mark.parametrize("section,key", DEFAULTS, ids=[f"{s.id}.{k.name}" for s, k in DEFAULTS])
def test_writing_a_documented_default_changes_nothing(tmp_path, section, key):
    paths = _paths(section, key)
    assert paths, f"no place in the test scenario for {section.id}.{key.name}"
    path = tmp_path / "s.yaml"
    path.write_text(DEFAULTS_BASE, encoding="utf-8")
    as_left_out = api.load_scenario(path)
    for p in paths:
        written = api.load_scenario(path, overrides=[f"{'/'.join(p)}={key.default}"])
        assert _comparable(written) == _comparable(as_left_out), f"{'/'.join(p)}"


def _comparable(scenario):
    return replace(scenario, overrides=(), warnings=(), source=None)
