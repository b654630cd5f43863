"""The model's output is pinned: a digest of the event log of every bundled scenario (and its
variants), of the flagship under settings that exercise other paths, of the persona fleet workload
and of engine workloads above the recent-apps size.

A change to the engine's code that is meant to leave the model alone must leave these digests
alone; a change to the model changes them on purpose, and the new digests are written here with
the reason in the commit. A digest covers the SPEC §7 columns of every event (``seq`` to
``detail``, as the event log prints them) and, where noted, every evaluation ``explain`` reads.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from bgreplay import api
from bgreplay.analysis.frame import spec_rows
from bgreplay.engine.profiles import build_profile
from bgreplay.engine.records import ReplayResult
from bgreplay.engine.replay import Replay
from bgreplay.fleet.population import device_scenario, device_timeline, parse_mix, population

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_engine import workload  # noqa: E402
from bench.bench_fleet import MIX, SCENARIO  # noqa: E402

FLAGSHIP = "scenarios/pixar-film-tracker.yaml"
SCENARIO_DIGESTS = {
    "scenarios/field/f029-processing-start-delay.yaml": "21cd7502b223085d",
    "scenarios/field/f031-refresh-at-midnight.yaml": "7b9aa622f21c9b2e",
    "scenarios/field/f117-refresh-15m-month.yaml": "441dbe0461cefefe",
    "scenarios/field/f118-day-without-opens.yaml": "0b7524a34b9093e4",
    "scenarios/field/fo01-processing-overnight-spacing.yaml": "435811344551d115",
    "scenarios/field/fo02-heavy-messenger-wakes.yaml": "dda913ec2c56f9ac",
    "scenarios/field/fo03-messenger-spacing.yaml": "0fd4af9ec060ef1a",
    "scenarios/field/fo04-refresh-15m-on-personas.yaml": "bc195e6665190025",
    "scenarios/field/fo04-refresh-15m-on-personas.yaml@heavy-user": "837a64f8d481f3f1",
    "scenarios/field/fo04-refresh-15m-on-personas.yaml@light-user": "39198e797a2f3392",
    "scenarios/field/fo05-prewarmed-app-starts.yaml": "246caa38495629c9",
    "scenarios/field/fo06-prewarm-to-open.yaml": "c97c5fa180cb1ad7",
    "scenarios/field/fo07-prewarm-launch-code.yaml": "deb64a1d520791d6",
    "scenarios/field/fo08-refresh-early-expiration.yaml": "c1761e171a733361",
    "scenarios/field/fo11-dormant-app.yaml": "fbb613204b5211d6",
    "scenarios/health-study.yaml": "5b441d1ea2eadcc1",
    "scenarios/media-transcode.yaml": "8bac1490b2dfcc5c",
    "scenarios/pitfalls/force-quit-user.yaml": "5fe73d1fbc31b88c",
    "scenarios/pitfalls/low-power-afternoon.yaml": "7059a97eb7aa3a5e",
    "scenarios/pitfalls/missing-permitted-identifier.yaml": "db539fd79c2e31b6",
    "scenarios/pitfalls/never-completes.yaml": "c28e7584aaf5a099",
    "scenarios/pitfalls/no-expiration-handler.yaml": "5e4290148d194c2a",
    "scenarios/pitfalls/refresh-80mb.yaml": "c1947f9c88788f77",
    "scenarios/pitfalls/reschedule-only-at-end.yaml": "1ccdce2358f5da52",
    "scenarios/pitfalls/reschedule-only-at-end.yaml@fixed": "e46a02602d252eff",
    "scenarios/pitfalls/submit-on-every-launch.yaml": "d51eec2a668b2348",
    "scenarios/pitfalls/submit-on-every-launch.yaml@fixed": "d9b15e9ec1aecd6b",
    "scenarios/pixar-film-tracker.yaml": "9a7a6b6e8d2fc3d2",
    "scenarios/pixar-film-tracker.yaml@every-launch": "b5b5b86c0a365874",
    "scenarios/pixar-film-tracker.yaml@end-of-handler": "96996781b4a473b8",
    "scenarios/pixar-film-tracker.yaml@if-not-pending": "f26df98f593aba50",
    "scenarios/spring-forward.yaml": "79ee5241aaa6a19d",
}
FLAGSHIP_SETTINGS = {  # --set overrides → digest
    "prewarm-max": (
        (
            "scheduler/params/prewarm_chance=1",
            "scheduler/params/prewarm_launch_code_share=1",
            "scheduler/params/process_residency=0s",
        ),
        "f9bcdb35bdcb53fa",
    ),
    "ideal": (("scheduler/profile=ideal",), "57f95831f2405ebc"),
    "early-expiry": (("scheduler/params/refresh_early_expiry_share=0.5",), "99279577a89574a3"),
}
EXPLAIN_DIGESTS = {  # explain_task → event log / evaluations
    "*": "9a7a6b6e8d2fc3d2/ca4cd26d7eff7cf5",
    "io.cocoabytes.filmtracker.refresh": "9a7a6b6e8d2fc3d2/89c0c995e777d43a",
}
FLAGSHIP_PARAMS_READ = (
    "app_cap,app_default_likelihood,app_dormancy_half_life,app_jitter_max,app_jitter_redraw,"
    "app_launch_rule,app_prediction_offset,app_recent_share,app_recent_size,app_request_bonus,"
    "app_weight,battery_base,battery_exponent,battery_plugged_boost,battery_weight,charge_fast,"
    "charge_slow,cpu_limit_window,critical_battery,device_activity_floor,device_activity_horizon,"
    "device_activity_weight,drain_idle,drain_unlocked,energy_bank,energy_per_100kb_wifi,"
    "energy_per_cpu_second,energy_per_launch,energy_per_open,expiration_grace,history_days,"
    "history_half_life,history_repeat_days,max_pending_processing,max_pending_refresh,"
    "min_run_score,optimal_target,prediction_horizon,prediction_skip_beyond,prediction_step,"
    "predictor_window,prewarm_chance,prewarm_lead,prewarm_likelihood,process_residency,"
    "processing_min_spacing,processing_recent_use,processing_runtime_powered,"
    "processing_start_delay,recent_window,refresh_early_expiry_max,refresh_early_expiry_min,"
    "refresh_early_expiry_share,refresh_min_spacing,refresh_runtime,refresh_spacing_by_use,"
    "refresh_start_delay,relax_d,relax_e,relax_pre,rescore_interval,"
    "thermal_weight,weekday_split_min_days,wifi_bandwidth,wifi_rtt,window"
)  # the thermal scores of `fair` and `serious` are read only when the device is that hot
FLEET_DIGEST = "4fd8480eb6043702"  # 50 devices of the fleet benchmark's persona mix, 7 days
WORKLOAD_DIGESTS = {  # (days, apps) → digest, with and without the quiet-tick skipping
    (28, 10): "23d013f1dc7868e4",
    (28, 30): "74d0e5ab8c3d17f2",
}
WORKLOAD_EXPLAIN = "5ab49bc7bee351f4/434bc8c3de56511f"  # 14 days x 30 apps, explain "*"


def digest(rows) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(row).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def evaluation_rows(result: ReplayResult) -> list[tuple]:
    return [
        (
            v.t,
            v.task,
            v.trigger,
            tuple((p.policy, p.decision, p.score, p.weight, p.rationale) for p in v.verdicts),
            v.decision,
            v.score,
            v.threshold,
            v.launched,
            v.reason,
            v.request,
            v.submitted_at,
        )
        for v in result.evaluations
    ]


@pytest.mark.parametrize("case", sorted(SCENARIO_DIGESTS))
def test_bundled_scenario_logs_are_unchanged(case: str) -> None:
    path, _, variant = case.partition("@")
    result = api.replay(api.load_scenario(ROOT / path, variant=variant or None))
    assert digest(spec_rows(result)) == SCENARIO_DIGESTS[case]


@pytest.mark.parametrize("name", sorted(FLAGSHIP_SETTINGS))
def test_flagship_logs_under_other_settings_are_unchanged(name: str) -> None:
    overrides, expected = FLAGSHIP_SETTINGS[name]
    result = api.replay(api.load_scenario(ROOT / FLAGSHIP, overrides=overrides))
    assert digest(spec_rows(result)) == expected


@pytest.mark.parametrize("task", sorted(EXPLAIN_DIGESTS))
def test_explained_evaluations_are_unchanged(task: str) -> None:
    result = api.replay(api.load_scenario(ROOT / FLAGSHIP), explain_task=task)
    assert f"{digest(spec_rows(result))}/{digest(evaluation_rows(result))}" == EXPLAIN_DIGESTS[task]


def test_parameters_read_are_unchanged() -> None:
    result = api.replay(api.load_scenario(ROOT / FLAGSHIP), record_params=True)
    assert ",".join(sorted(result.params_read)) == FLAGSHIP_PARAMS_READ


def test_persona_fleet_logs_are_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "three-apps.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    base = api.load_scenario(path)
    devices = []
    for device in population(parse_mix(MIX), base.seed, 50):
        scenario = device_scenario(base, device)
        devices.append(digest(spec_rows(api.replay(scenario, device_timeline(scenario, device)))))
    assert hashlib.sha256("".join(devices).encode()).hexdigest()[:16] == FLEET_DIGEST


def _direct(days: int, apps: int, *, skip: bool = True, explain: str | None = None):
    scenario, timeline = workload(days, apps)
    engine = Replay(scenario, timeline, build_profile("ios-26"), explain_task=explain)
    engine.skip_quiet_ticks = skip
    engine.advance()
    return engine.result()


@pytest.mark.parametrize("skip", [True, False])
@pytest.mark.parametrize("size", sorted(WORKLOAD_DIGESTS))
def test_engine_workload_logs_are_unchanged(size: tuple[int, int], skip: bool) -> None:
    assert digest(spec_rows(_direct(*size, skip=skip))) == WORKLOAD_DIGESTS[size]


def test_engine_workload_evaluations_are_unchanged() -> None:
    result = _direct(14, 30, explain="*")
    assert f"{digest(spec_rows(result))}/{digest(evaluation_rows(result))}" == WORKLOAD_EXPLAIN
