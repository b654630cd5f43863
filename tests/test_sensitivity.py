"""`compare --sensitivity` and robust expectations: the scenario replayed at both ends of every
uncertain parameter it reads, the range of each metric and what moves it."""

from __future__ import annotations

import yaml

from bgreplay import api
from bgreplay.engine.profiles import DOCUMENTED, PARAMETERS
from bgreplay.scenario.scheduler import parse_param

NIGHTLY = """\
bgreplay: 1
name: A nightly backup on the charger
start: 2026-03-02T00:00
duration: 1d
timezone: Europe/Berlin
device:
  timeline:
    daily:
      - {plugged: "22:30-07:00"}
      - {network: wifi, during: "00:00-24:00"}
      - {unlocked: "21:00", for: 10m, app: io.example.backup}
apps:
  io.example.backup:
    background_modes: [processing]
    permitted_identifiers: [io.example.backup.processing]
    tasks:
      io.example.backup.processing:
        type: processing
        earliest_begin: 2h
        requires_external_power: true
        submit: {when: [app_background]}
        handler: {duration: 2m}
expect:
  io.example.backup.processing:
    begin_delay: {check: ["p(50) >= 5m", "p(50) <= 14m"], robust: true}
"""


def test_every_uncertain_parameter_has_a_range_and_a_reason():
    for p in PARAMETERS.values():
        if p.confidence == DOCUMENTED or p.unit == "bool" and not p.has_range:
            continue
        assert p.has_range, p.name
        assert p.range_source, p.name
        if p.unit == "bool":
            assert {p.low, p.high} == {False, True}, p.name
            continue
        assert p.low <= p.default <= p.high, p.name
        for end in (p.low, p.high):  # as a user copies it into --set (a YAML value)
            assert parse_param(p, yaml.safe_load(p.format(end))) == end, p.name


def test_sensitivity_replays_both_ends_and_names_what_moves_a_metric(write_scenario):
    path = write_scenario(NIGHTLY)
    sens = api.sensitivity(path, metrics=["begin_delay.p50", "launches_per_day"])
    assert sens.to_dict()["rows"][0]["movers"][0]["param"] == "processing_start_delay"
    names = {s.param for s in sens.swings}
    assert "processing_start_delay" in names
    assert "cp_stall" in sens.not_read and "cp_stall" not in names  # never read: no effect
    delay = next(r for r in sens.rows if r.key == "begin_delay.p50")
    assert delay.base == 450.0 and delay.low == 225.0 and delay.high == 900.0
    assert delay.movers[0].param == "processing_start_delay"
    assert (delay.movers[0].at_low, delay.movers[0].at_high) == (225.0, 900.0)
    # a parameter the scenario sets is the user's statement, not an unknown
    pinned = api.sensitivity(
        path,
        metrics=["begin_delay.p50"],
        overrides=["scheduler/params/processing_start_delay=450s"],
    )
    assert "processing_start_delay" in pinned.fixed_by_scenario
    assert pinned.rows[0].low == pinned.rows[0].high == 450.0


def test_a_robust_expectation_fails_at_the_end_where_it_does_not_hold(write_scenario):
    path = write_scenario(NIGHTLY)
    report = api.check([path])
    failed = [r for c in report.checks for r in c.failures]
    assert report.outcome.exit_code == 1 and len(failed) == 2
    texts = {r.text: r.robust_text for r in failed}
    assert "processing_start_delay=3m45s: 3m45s" in texts["p(50) >= 5m"]
    assert "processing_start_delay=15m: 15m" in texts["p(50) <= 14m"]
    loose = write_scenario(
        NIGHTLY.replace('["p(50) >= 5m", "p(50) <= 14m"]', '["p(50) >= 3m", "p(50) <= 16m"]'),
        "loose.yaml",
    )
    assert api.check([loose]).outcome.exit_code == 0


def test_compare_sensitivity_from_the_shell(write_scenario, run_cli):
    path = str(write_scenario(NIGHTLY))
    code, out, err = run_cli(
        "compare", path, "--sensitivity", "--metric", "begin_delay.p50", "--jobs", "2"
    )
    assert code == 0, err
    assert "processing_start_delay 3m45s: 3m45s, 15m: 15m" in out
    code, _, err = run_cli(
        "compare", path, "--sensitivity", "--vary", "apps/*/tasks/*/earliest_begin=1h,2h"
    )
    assert code == 2 and "--sensitivity" in err
