"""``--svg`` and ``--html``: the report as SVG, the interactive timeline page; the progress bar."""

from __future__ import annotations

import dataclasses
import json
import re

import render_fixtures as rf

from bgreplay.render.html import page_data, render_html, write_html
from bgreplay.render.svg import report_svg, write_svg


def test_svg_is_the_coloured_report(tmp_path):
    svg = report_svg(rf.news_result(), lint=rf.findings())
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "digest" in svg and "BGR008" in svg
    assert re.search(r'fill="#[0-9a-f]{6}"', svg)  # coloured
    texts = re.findall(r"<text ([^>]*)>([^<]*)</text>", svg)
    assert texts and all('x="' in attrs and "textLength" in attrs for attrs, _ in texts)
    assert not [t for _, t in texts if t != t.strip() or "&#160;" in t]  # no spaces to keep
    path = tmp_path / "report.svg"
    write_svg(rf.news_result(), path, quiet=True)
    assert path.read_text(encoding="utf-8").startswith("<svg")
    assert [p.name for p in tmp_path.iterdir()] == ["report.svg"]


def _data(page: str) -> dict:
    raw = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


def test_html_page_is_self_contained_with_its_data(tmp_path):
    page = render_html(rf.news_result(), lint=rf.findings())
    assert "<script src" not in page and "<link" not in page
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    data = _data(page)
    assert [lane["label"] for lane in data["lanes"]] == [
        "unlocked",
        "plugged",
        "network",
        "lpm/heat",
        "battery",
        "refresh",
        "processing",
    ]
    assert len(data["days"]) == 2 and data["duration"] == 2 * rf.D
    kinds = {e[2] for e in data["events"]}
    assert {
        "submitted",
        "launched",
        "completed_success",
        "completed_failure",
        "expired",
        "killed",
        "submit_failed",
        "device_force quit",
    } <= kinds
    meanings = {m["meaning"] for m in data["marks"]}
    assert {
        "throttled: Battery level",
        "throttled: App switcher",
        "pending",
        "running",
        "io.example.news in use",
    } <= meanings
    assert "Freshness at open" in page and "BGR013" in page
    path = tmp_path / "timeline.html"
    write_html(rf.news_result(), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_html_days_follow_dst():
    days = page_data(rf.dst_result())["days"]
    sunday = next(d for d in days if d["label"].startswith("Sun"))
    assert [label for _, label in sunday["ticks"]] == [f"{h:02d}" for h in range(24) if h != 2]
    assert sunday["end"] - sunday["start"] == 23 * rf.H


def test_html_escapes_names_that_look_like_markup():
    result = rf.news_result()
    scenario = dataclasses.replace(result.scenario, name="</script><b>x</b>")
    page = render_html(dataclasses.replace(result, scenario=scenario))
    assert "</script><b>" not in page
    assert _data(page)["lanes"]


def test_progress_bar_replays_the_same(monkeypatch, tmp_path):
    import sys

    from bgreplay import api
    from bgreplay.cli import run as run_cli

    path = tmp_path / "s.yaml"
    path.write_text(
        "bgreplay: 1\nname: p\nstart: 2026-03-02T00:00\nduration: 3d\n"
        'device:\n  timeline:\n    daily:\n      - {unlocked: "08:00", for: 10m, app: io.x}\n'
        "apps:\n  io.x:\n    background_modes: [fetch]\n    permitted_identifiers: [io.x.r]\n"
        "    tasks:\n      io.x.r: {type: refresh, earliest_begin: 1h}\n",
        encoding="utf-8",
    )
    scenario = api.load_scenario(path)
    timeline = api.load_timeline(scenario)
    clock = iter(range(0, 1000, 2))  # every call to the clock is two seconds later
    monkeypatch.setattr(run_cli.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    slow = run_cli.replay_with_progress(scenario, timeline)
    assert slow.events == api.replay(scenario, timeline).events


def test_html_runs_are_bars_from_launch_to_end_with_their_duration():
    data = page_data(rf.news_result())
    runs = {(r[2], r[3]): r for r in data["runs"]}
    lanes = [lane["label"] for lane in data["lanes"]]
    refresh, processing = lanes.index("refresh"), lanes.index("processing")
    start, end, _, _, took, text = runs[(refresh, "killed")]
    assert (end - start, took) == (36_000, "36s")  # launch to the kill, not a point
    assert "run #3" in text and "after expiring" in text and "watchdog" in text
    assert runs[(processing, "success")][4] == "3m40s"
    assert {outcome for _, _, _, outcome, _, _ in data["runs"]} == {"success", "failure", "killed"}


def test_html_day_summary_lists_launches_throttling_and_staleness_at_each_open():
    monday = page_data(rf.news_result())["days"][0]["summary"]
    refresh = next(t for t in monday["tasks"] if t["task"] == "refresh")
    assert refresh["launches"] == 3
    assert refresh["throttled"][0] == ["Low Power Mode", "3h15m"]  # longest first
    assert [at for _, at, _ in monday["opens"]] == ["07:30", "12:30", "21:00"]
    assert monday["opens"][0][2] == "never refreshed" and monday["opens"][1][2] == "1h24m"
