"""No scenario file can produce a traceback (SPEC §10): mutated scenarios end in exit 0, 1 or 2
with a message, within seconds; the nasty classics each have their own test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fuzz_strategies import CASE_SECONDS, ROOT, budget, check_case
from hypothesis import given
from hypothesis import strategies as st

from fuzz.cases import Case, inside, judge, run_in_process
from fuzz.scenarios import alias_bomb

PIXAR = (ROOT / "scenarios" / "pixar-film-tracker.yaml").read_text(encoding="utf-8")


@budget(120)
@given(st.data())
def test_mutated_scenarios_end_in_0_1_or_2(data):
    check_case(data, "scenario")


def _run(tmp_path: Path, text: str | bytes, *argv: str) -> tuple[int | None, str]:
    path = tmp_path / "s.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    case = Case("classic", [*(argv or ("validate",)), "s.yaml"])
    with inside(tmp_path):
        outcome = run_in_process(case.argv, timeout=3 * CASE_SECONDS)
    assert not judge(case, outcome, tmp_path, CASE_SECONDS), outcome.stderr
    return outcome.code, outcome.stderr


CLASSICS = {
    "billion laughs": ("bgreplay: 1\n" + alias_bomb(), "expands to more than 200,000 values"),
    "recursive alias": ("bgreplay: 1\nx: &a [*a]\n", "recursive structure"),
    "deep flow nesting": (
        "bgreplay: 1\nx: " + "[" * 20_000 + "]" * 20_000 + "\n",
        "maximum nesting depth",
    ),
    "deep block nesting": (
        "bgreplay: 1\n" + "".join(" " * i + f"k{i}:\n" for i in range(150)),
        "nested more than 100 levels",
    ),
    "python tag": (
        "bgreplay: 1\nx: !!python/object/apply:os.system ['true']\n",
        "is not supported",
    ),
    "tag on a mapping": ("bgreplay: 1\nx: !!python/object:os.System {a: 1}\n", "is not supported"),
    "undefined alias": ("bgreplay: 1\nx: *nope\n", "undefined alias"),
    "duplicate key": (PIXAR.replace("seed: 7", "seed: 7\nseed: 8"), "duplicate key 'seed'"),
    "tab indentation": (PIXAR.replace("  model: iphone", "\tmodel: iphone"), "tab"),
    "two documents": (PIXAR + "\n---\nbgreplay: 1\n", "expected a single document"),
    "utf-16": (PIXAR.encode("utf-16"), "UTF-16"),
    "latin-1": (PIXAR.replace("—", "-").encode("utf-8") + b"\nname: caf\xe9\n", "not valid UTF-8"),
    "control character": (PIXAR.replace("seed: 7", "seed: 7\x07"), "control character"),
    "empty": ("", "the scenario is empty"),
    "a list": ("- bgreplay: 1\n", "a list, not a mapping"),
    "version 2": (PIXAR.replace("bgreplay: 1", "bgreplay: 2"), "unsupported format version"),
    "negative duration": (PIXAR.replace("duration: 7d", "duration: -7d"), "negative"),
    "401 days": (PIXAR.replace("duration: 7d", "duration: 401d"), "outside 1h..400d"),
    "59 minutes": (PIXAR.replace("duration: 7d", "duration: 59m"), "outside 1h..400d"),
    "huge number": (PIXAR.replace("seed: 7", "seed: " + "9" * 5000), "too large"),
    "ten-year jitter": (
        PIXAR.replace("jitter: 5m", "jitter: 99999999999999999999d"),
        "longer than ten years",
    ),
    "NaN battery": (PIXAR.replace("start: 80}", "start: .nan}"), "expected a number"),
}


@pytest.mark.parametrize("name", list(CLASSICS))
def test_classic_bad_inputs_exit_2_with_a_message(tmp_path, name):
    text, message = CLASSICS[name]
    code, stderr = _run(tmp_path, text)
    assert code == 2
    assert message in stderr


@pytest.mark.parametrize(
    "name,transform",
    [
        ("byte-order mark", lambda t: "\ufeff" + t),
        ("CRLF", lambda t: t.replace("\n", "\r\n")),
        ("BOM and CRLF", lambda t: "\ufeff" + t.replace("\n", "\r\n")),
        ("tabs inside comments and values", lambda t: t.replace("# a Monday", "#\ta Monday")),
        ("unicode names", lambda t: t.replace("name: Pixar film tracker", "name: 映画 🎬 Ωmega")),
    ],
)
def test_harmless_variations_still_load_and_check(tmp_path, name, transform):  # noqa: ARG001 - unread here; its callers pass it
    code, stderr = _run(tmp_path, transform(PIXAR), "check")
    assert code == 0, stderr


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_an_alias_bomb_is_refused_fast_and_small(tmp_path):
    """In a subprocess: the refusal must not first expand the document (memory stays low)."""
    path = tmp_path / "bomb.yaml"
    path.write_text("bgreplay: 1\n" + alias_bomb(levels=20), encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys
        from bgreplay.cli.app import main
        code = main(["validate", {str(path)!r}])
        # VmHWM: this process's peak RSS (ru_maxrss would include the forking parent's)
        peak = next(line.split()[1] for line in open("/proc/self/status")
                    if line.startswith("VmHWM"))
        print(code, peak, file=sys.stderr)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    code, peak_kb = done.stderr.split()[-2:]
    assert code == "2" and "200,000 values" in done.stderr
    assert int(peak_kb) < 200_000, f"peak RSS {int(peak_kb) // 1024} MB"


def test_mutations_never_paste_a_pool_value_by_reference():
    """One fuzz worker builds thousands of cases from the same module-level pools: a pool value
    pasted into a document by reference, then mutated there (nested 500 deep, say), would
    corrupt every later case. Every container a mutation leaves in the document is poisoned
    here, and the pools must not change."""
    import copy

    import yaml

    from fuzz import scenarios
    from fuzz.draw import RandomDraw

    def poison(node):
        if isinstance(node, dict):
            for value in list(node.values()):
                poison(value)
            node["poisoned"] = True
        elif isinstance(node, list):
            for value in list(node):
                poison(value)
            node.append("poisoned")

    pools = {name: getattr(scenarios, name) for name in ("VALID", "WEIRD", "DURATIONS")}
    before = copy.deepcopy(pools)
    seeds = scenarios.seeds()
    for i in range(100):
        draw = RandomDraw(f"pools-{i}")
        doc = yaml.safe_load(draw.choice(seeds)[1])
        for op in (*scenarios.VALID_OPS, *scenarios.TREE_OPS):
            doc = op(draw, doc)
        poison(doc)
    assert pools == before
