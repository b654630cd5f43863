"""Overrides and variants (SPEC §4.8): applied to the YAML before validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bgreplay.api import load_scenario, replay
from bgreplay.engine.profiles import PARAMETERS
from bgreplay.errors import InputError, Problem

M = 60_000

SCENARIO = """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 1d
apps:
  io.x:
    tasks:
      io.x.refresh: {type: refresh, earliest_begin: 2h}
      io.x.processing: {type: processing}
  io.y:
    tasks:
      io.y.refresh: {type: refresh}
expect:
  io.x.refresh: {launches: ">= 1"}
variants:
  every-launch:
    apps/io.x/tasks/*refresh/submit/when: [app_launch]
  short-delay:
    apps/*/tasks/*refresh/earliest_begin: 15m
  strict:
    expect: {io.x.refresh: {launches: ">= 5"}}
    apps/io.x/tasks/io.x.refresh/handler/memory_mb: 45
"""


@pytest.fixture
def path(write_scenario) -> Path:
    return write_scenario(SCENARIO)


def problems(path: Path, **kw) -> list[Problem]:
    with pytest.raises(InputError) as err:
        load_scenario(path, **kw)
    return err.value.problems


def test_glob_segments_match_every_key(path: Path) -> None:
    s = load_scenario(path, overrides=["apps/*/tasks/*refresh/earliest_begin=30m"])
    assert [t.earliest_begin.delay_ms for t in s.tasks] == [30 * M, None, 30 * M]
    assert s.overrides == ("apps/*/tasks/*refresh/earliest_begin=30m",)
    loc = s.source.at("apps", "io.y", "tasks", "io.y.refresh", "earliest_begin")
    assert loc.file == "--set apps/*/tasks/*refresh/earliest_begin=30m"


def test_value_is_yaml(path: Path) -> None:
    s = load_scenario(
        path,
        overrides=["apps/io.x/tasks/io.x.refresh/submit/when=[app_launch, handler_end]", "seed=42"],
    )
    assert s.task("io.x.refresh").submit.when == ("app_launch", "handler_end")
    assert s.seed == 42


def test_literal_keys_are_created_inside_fixed_schema_maps(path: Path) -> None:
    s = load_scenario(
        path,
        overrides=[
            "scheduler/params/expiration_grace=7s",
            "device/battery/start=50",
            "apps/io.x/tasks/io.x.processing/handler/memory_mb=40",
        ],
    )
    assert dict(s.scheduler.params) == {"expiration_grace": 7000}
    assert s.device.battery_start == 50.0
    assert s.task("io.x.processing").handler.memory_mb == 40.0


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("apps/*/tasks/*refrsh/earliest_begin=15m", "'*refrsh' matches nothing"),
        ("apps/io.z/tasks/io.z.r/type=refresh", "there is no app 'io.z'"),
        (
            "apps/io.x/tasks/io.x.refrsh/earliest_begin=15m",
            "there is no task 'io.x.refrsh' at apps/io.x/tasks — did you mean 'io.x.refresh'?",
        ),
        ("apps/io.x/tasks/io.x.refresh/earliest_begin/at=03:00", "not a mapping"),
        ("variants/fast/seed=1", "cannot change 'variants'"),
        ("seed", "PATH=VALUE"),
        ("seed=[1", "not valid YAML"),
    ],
)
def test_paths_that_match_nothing_are_errors(path: Path, override: str, words: str) -> None:
    [p] = problems(path, overrides=[override])
    assert words in p.message, p.message
    assert p.location.file == f"--set {override}"


def test_no_match_lists_the_keys_that_exist(path: Path) -> None:
    [p] = problems(path, overrides=["apps/*/tasks/*refrsh/earliest_begin=15m"])
    assert "keys there: io.x.refresh, io.x.processing" in p.message


def test_new_keys_are_then_validated_at_the_override(path: Path) -> None:
    [p] = problems(path, overrides=["device/batery/start=50"])
    assert "unknown key 'batery' — did you mean 'battery'?" in p.message
    assert str(p.location) == "--set device/batery/start=50"
    [p] = problems(path, overrides=["apps/io.x/tasks/io.x.refresh/earliest_begin=30"])
    assert "30 has no unit" in p.message and p.location.file.startswith("--set ")


def test_variant_selection(path: Path) -> None:
    s = load_scenario(path, variant="short-delay")
    assert s.variant == "short-delay"
    assert s.variant_names == ("every-launch", "short-delay", "strict")
    assert [t.earliest_begin.delay_ms for t in s.tasks] == [15 * M, None, 15 * M]
    s = load_scenario(path, variant="every-launch")
    assert s.task("io.x.refresh").submit.when == ("app_launch",)
    assert s.task("io.y.refresh").submit.when == ("app_background",)


def test_set_applies_after_the_variant(path: Path) -> None:
    s = load_scenario(
        path, variant="short-delay", overrides=["apps/io.x/tasks/io.x.refresh/earliest_begin=1h"]
    )
    assert [t.earliest_begin.delay_ms for t in s.tasks] == [60 * M, None, 15 * M]


def test_variant_with_its_own_expectations(path: Path) -> None:
    base = load_scenario(path)
    assert [e.text for e in base.expect] == [">= 1"]
    assert base.variants_with_expect == ("strict",)
    strict = load_scenario(path, variant="strict")
    [e] = strict.expect
    assert (e.text, e.location.line) == (">= 5", 20)
    assert strict.task("io.x.refresh").handler.memory_mb == 45.0


def test_unknown_variant_suggests_a_name(path: Path) -> None:
    [p] = problems(path, variant="short-dalay")
    assert "unknown variant 'short-dalay' — did you mean 'short-delay'?" in p.message
    assert "every-launch, short-delay, strict" in p.fix


def test_a_broken_variant_fails_the_base_with_the_variants_line(write_scenario) -> None:
    path = write_scenario(SCENARIO.replace("earliest_begin: 15m", "earliest_begin: 15"))
    [p] = problems(path)
    assert p.message.startswith("variant 'short-delay': 15 has no unit")
    assert (p.location.line, p.location.column) == (18, 43)
    typo = write_scenario(SCENARIO.replace("*/tasks/*refresh/earliest", "*/taks/*refresh/earliest"))
    [p] = problems(typo)
    assert "variant 'short-delay'" in p.message and "matches nothing" in p.message
    assert p.location.line == 18


@pytest.mark.parametrize("name", sorted(n for n, p in PARAMETERS.items() if p.minimum is not None))
def test_a_parameter_below_its_minimum_is_an_input_error_and_the_minimum_replays(
    path: Path, name: str
) -> None:
    """Zero re-score interval, scan step, bandwidth or half-life used to divide by zero in the
    replay (an internal error); each is now refused where it is written, and its least value
    replays."""
    param = PARAMETERS[name]
    below = "0s" if param.unit == "ms" else "0"
    with pytest.raises(InputError) as caught:
        load_scenario(path, overrides=[f"scheduler/params/{name}={below}"])
    assert f"{name} must be at least {param.format(param.minimum)}" in str(caught.value)
    least = load_scenario(
        path, overrides=[f"scheduler/params/{name}={param.format(param.minimum)}"]
    )
    assert replay(least).events
