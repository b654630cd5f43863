"""The package as others meet it: ``--version``, shell completion, a wheel with ``py.typed`` and
the license, an sdist whose tests run, the pre-commit hooks, and the README's CI workflow checked
by actionlint. The README tour writes nothing into the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest
import yaml
from fuzz_strategies import ROOT

from fuzz.cases import run_in_process

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    outcome = run_in_process(["--version"])
    assert outcome.code == 0
    assert outcome.stdout.startswith(f"bgreplay {version('bgreplay')} (engine: ")


def test_shell_completion_is_offered_and_completes():
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", "--show-completion", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "_BGREPLAY_COMPLETE" in done.stdout
    env = {
        "_BGREPLAY_COMPLETE": "complete_bash",
        "COMP_WORDS": "bgreplay run --ev",
        "COMP_CWORD": "2",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.stdout.split() == ["--events"], done.stderr


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel, built as a release would be (no network: --no-isolation),
    without the optional compiled engine (what is checked here does not depend on it, and
    compiling it takes minutes)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BGREPLAY_PURE_PYTHON": "1"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "deprecated" not in done.stderr.lower(), done.stderr
    return out


def test_the_wheel_has_py_typed_and_the_license_and_no_stale_globs(dist):
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "bgreplay/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert b"License-Expression: MIT" in meta
    pyproject = (ROOT / "pyproject.toml").read_text()
    for glob in re.findall(r'"bgreplay" = \[(.*?)\]', pyproject)[0].split(","):
        pattern = glob.strip().strip('"')
        assert list((ROOT / "bgreplay").glob(pattern)), f"package-data {pattern} matches nothing"


def test_the_sdist_runs_its_own_tests(dist, tmp_path):
    sdist = next(dist.glob("*.tar.gz"))
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    top = next(tmp_path.iterdir())
    for needed in (
        "tests/conftest.py",
        "tests/fixtures_sqlite.py",
        "tests/cases",
        "scenarios/pixar-film-tracker.yaml",
        "traces/commuter-week.csv",
        "fuzz/cases.py",
        "docs/limits.md",
        "LICENSE",
    ):
        assert (top / needed).exists(), needed
    # a few quick test files, run from the unpacked sdist with its own package first
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_durations.py",
            "tests/test_scenario_yamlnodes.py",
            "tests/test_lint_rules.py",
        ],
        cwd=top,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(top), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "[100%]" in done.stdout


def test_the_pre_commit_hooks_name_real_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} >= {"bgreplay-lint", "bgreplay-check"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["entry"].startswith("bgreplay ")
        command = hook["entry"].split()[1]
        outcome = run_in_process([command, "--help"])
        assert outcome.code == 0, command


def _workflow() -> str:
    block = README.split("`.github/workflows/bgreplay.yml`:", 1)[1]
    return block.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_readme_workflow_passes_actionlint(tmp_path):
    actionlint = shutil.which("actionlint", path=str(ROOT / ".venv" / "bin")) or shutil.which(
        "actionlint"
    )
    if actionlint is None:
        pytest.skip("actionlint is not installed (make installs it with the dev extra)")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bgreplay.yml").write_text(_workflow())
    bindir = str(ROOT / ".venv" / "bin")
    done = subprocess.run(
        [
            actionlint,
            "-shellcheck",
            shutil.which("shellcheck", path=bindir) or "",
            str(workflows / "bgreplay.yml"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_workflow_maps_ci_variables_and_pins_a_real_ref():
    workflow = yaml.safe_load(_workflow())
    install = next(
        s for s in workflow["jobs"]["bgreplay"]["steps"] if s.get("name") == "Install bgreplay"
    )
    assert install["env"]["BGREPLAY_REPO"] == "${{ vars.BGREPLAY_REPO }}"
    assert "@v0.1.0" not in README  # no such tag exists


def test_the_readme_tour_writes_into_a_scratch_folder():
    tour = README.split("## A 60-second tour", 1)[1].split("## ", 1)[0]
    assert "mktemp -d" in tour
    for option in re.findall(r"(?:-o|--out|--junit|--html|--svg) (\S+)", tour):
        assert option.startswith('"$out/'), option


def test_trace_generate_says_which_zone_it_used(tmp_path):
    from fuzz.cases import inside

    with inside(tmp_path):
        quiet = run_in_process(
            [
                "trace",
                "generate",
                "--persona",
                "office_worker",
                "--days",
                "1",
                "--timezone",
                "Europe/Paris",
                "-o",
                "a.csv",
            ]
        )
        said = run_in_process(
            ["trace", "generate", "--persona", "office_worker", "--days", "1", "-o", "b.csv"]
        )
    assert quiet.code == said.code == 0
    assert "--timezone" not in quiet.stderr
    assert "no --timezone given: the trace's wall times are UTC" in said.stderr
