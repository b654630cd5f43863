"""The optional compiled engine (mypyc): where it is built it replays exactly as the pure-Python
engine, and it is never used once the engine's sources differ from those it was built from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bgreplay import api
from bgreplay.engine import replay as pure
from bgreplay.engine import select
from bgreplay.fleet.population import device_scenario, device_timeline, parse_mix, population

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_fleet import MIX, SCENARIO  # noqa: E402

BUILT = select.compiled() is not None
needs_build = pytest.mark.skipif(
    not BUILT,
    reason="the compiled engine is not built (or is out of date): make install builds it",
)


def _pairs():
    folder = Path(tempfile.mkdtemp(prefix="bgreplay-test-"))
    path = folder / "three-apps.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    base = api.load_scenario(path)
    for device in population(parse_mix(MIX), base.seed, 12):
        scenario = device_scenario(base, device)
        yield scenario, device_timeline(scenario, device)
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        scenario = api.load_scenario(path)
        if scenario.duration_ms <= 28 * 86_400_000:
            yield scenario, api.load_timeline(scenario)


@needs_build
def test_compiled_and_pure_engines_write_the_same_logs() -> None:
    fast = select.compiled()
    for scenario, timeline in _pairs():
        profile = api.resolve_profile(scenario)
        want = pure.replay(scenario, timeline, profile, explain_task="*")
        got = fast.replay(scenario, timeline, profile, explain_task="*")
        assert got.events == want.events, scenario.name
        assert got.evaluations == want.evaluations, scenario.name


@needs_build
def test_the_replays_use_the_compiled_engine_when_it_is_fresh() -> None:
    assert select.engine_module() is select.compiled()
    assert select.engine_name() == "compiled (mypyc)"
    # recording the parameters read needs the pure-Python engine's attribute hook
    assert select.engine_module(record_params=True) is pure


@needs_build
def test_a_compiled_engine_of_other_sources_is_never_used(monkeypatch) -> None:
    monkeypatch.setattr(select, "source_digest", lambda _: "edited since the build")
    select.compiled.cache_clear()
    try:
        assert select.compiled() is None
        assert select.engine_module() is pure
        assert select.engine_name().startswith("pure Python (the compiled engine is out of date")
    finally:
        select.compiled.cache_clear()


def test_pure_python_can_be_asked_for() -> None:
    env = {**os.environ, "BGREPLAY_PURE_PYTHON": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bgreplay.engine import select; "
            "print(select.engine_name(), select.engine_module().__name__)",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout.split() == ["pure", "Python", "bgreplay.engine.replay"]


def test_the_build_copies_exactly_the_compiled_sources(tmp_path: Path) -> None:
    """``setup.py`` builds from ``sources.compiled_sources``; the digest covers every one."""
    from bgreplay.engine.sources import compiled_sources, source_digest

    engine = tmp_path / "engine"
    shutil.copytree(ROOT / "bgreplay" / "engine", engine)
    before = source_digest(engine)
    files = compiled_sources(engine)
    assert {f.name for f in files} >= {"replay.py", "scheduler.py", "world.py", "base.py"}
    assert not {"records.py", "profiles.py", "recording.py"} & {f.name for f in files}
    files[0].write_text(files[0].read_text() + "\n# edited\n")
    assert source_digest(engine) != before


def test_version_says_which_engine_replays() -> None:
    env = {**os.environ, "BGREPLAY_PURE_PYTHON": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", "--version"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout.startswith("bgreplay ") and "(engine: pure Python)" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", "--version"], capture_output=True, text=True, check=True
    )
    assert f"(engine: {select.engine_name()})" in done.stdout


@pytest.mark.parametrize("which", ["pure", "compiled"])
def test_a_replay_leaves_no_cycle_of_its_state_behind(which: str) -> None:
    """A finished replay's state is freed as soon as it is dropped: no reference cycle keeps
    the world, the queue and the trace's entries for the cycle collector (a fleet replays
    thousands of devices; each cycle kept about 5,000 objects, and a tenth of the time went
    to finding them)."""
    import gc

    engine = pure if which == "pure" else select.compiled()
    if engine is None:
        pytest.skip("the compiled engine is not built")
    scenario, timeline = next(_pairs())
    profile = api.resolve_profile(scenario)
    gc.collect()
    gc.disable()
    try:
        result = engine.replay(scenario, timeline, profile)
        events = len(result.events)
        del result
        left = gc.collect()
    finally:
        gc.enable()
    # requests and their queued entries point at each other (a few per task): nothing that
    # grows with the trace or the log
    assert events > 500
    assert left < 100, left
