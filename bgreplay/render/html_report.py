"""``run --html FILE``: one self-contained HTML report with an interactive timeline.

Everything is inline (styles, script, data): the file opens from disk with no network. A day
picker switches between days; hovering a mark shows the event, its reason and — for a throttle
or a launch — each policy's decision, score and rationale at that evaluation.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

from bgreplay.analysis.metrics import format_value, lookup, measure
from bgreplay.engine.records import ReplayResult

DAY_MS = 86_400_000
DEVICE_LANES = (
    ("unlocked / app", ("unlocked", "app")),
    ("plugged", ("plugged",)),
    ("network", ("network",)),
    ("LPM / thermal", ("low_power_mode", "thermal")),
)


def _local(result: ReplayResult, t: int) -> datetime:
    return datetime.fromtimestamp(result.timeline.clock.local_ms(t) / 1000, UTC)


def _days(result: ReplayResult) -> list[dict]:
    clock = result.timeline.clock
    days, t = [], 0
    end = result.scenario.duration_ms
    while t < end:
        local = clock.local_ms(t)
        nxt = t + (DAY_MS - local % DAY_MS)
        nxt -= clock.offset_at(nxt) - clock.offset_at(t)
        days.append({"label": _local(result, t).strftime("%a %Y-%m-%d"), "start": t,
                     "end": min(nxt, end), "offset": clock.offset_at(t)})
        t = nxt
    return days


def report_data(result: ReplayResult) -> dict:
    """The JSON the page draws from: days, device intervals, battery, task marks."""
    intervals = [
        {"lane": label, "start": iv.start, "end": iv.end,
         "text": f"{iv.kind}{' ' + iv.value if iv.value else ''}"
                 f"{' ' + iv.subject if iv.subject else ''}",
         "kind": iv.kind, "value": iv.value or ""}
        for label, kinds in DEVICE_LANES
        for iv in result.timeline.intervals if iv.kind in kinds
    ]
    battery = [[e.t, e.value] for e in result.events
               if e.event == "battery" and e.value is not None]
    breakdowns = {}
    for ev in result.evaluations:
        breakdowns[f"{ev.task}@{ev.t}"] = [
            [v.policy, v.decision, round(v.score, 3), v.weight, v.rationale] for v in ev.verdicts
        ] + [["threshold", "", round(ev.threshold, 3), "", f"score {ev.score:.3f}"]]
    marks = []
    for e in result.events:
        if not e.task:
            continue
        text = f"{e.event}{' (' + e.reason + ')' if e.reason else ''}"
        if e.run is not None:
            text += f" run {e.run}"
        marks.append({"task": e.task, "t": e.t, "event": e.event, "reason": e.reason or "",
                      "text": text, "detail": e.detail or "",
                      "when": _local(result, e.t).strftime("%a %H:%M:%S"),
                      "policies": breakdowns.get(f"{e.task}@{e.t}", [])})
    return {"days": _days(result), "intervals": intervals, "battery": battery, "marks": marks,
            "tasks": [t.id for t in result.scenario.tasks], "end": result.scenario.duration_ms}


def _summary_tables(result: ReplayResult, metrics) -> str:
    table = lookup(metrics)
    rows = []
    for task in result.scenario.tasks:
        def m(name, agg=None, tid=task.id):
            return measure(table, tid, name, agg)
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (
            task.id, format_value(m("submits"), "count"), format_value(m("launches"), "count"),
            format_value(m("launches_per_day"), "count"), format_value(m("successes"), "count"),
            format_value(m("expirations"), "count"), format_value(m("kills"), "count"),
            format_value(m("launch_delay", "med"), "seconds"))) + "</tr>")
    tasks = ("<table><tr><th>task</th><th>submits</th><th>launches</th><th>per day</th>"
             "<th>successes</th><th>expired</th><th>kills</th><th>median delay</th></tr>"
             + "".join(rows) + "</table>")
    rows = []
    for app in result.scenario.apps:
        def a(name, agg=None, bundle=app.bundle):
            return measure(table, bundle, name, agg)
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (
            app.bundle, format_value(a("opens"), "count"),
            format_value(a("staleness_at_open", "p(50)"), "seconds"),
            format_value(a("staleness_at_open", "p(90)"), "seconds"),
            format_value(a("fresh_open_ratio"), "ratio"),
            format_value(a("background_runtime"), "seconds"))) + "</tr>")
    apps = ("<table><tr><th>app</th><th>opens</th><th>staleness p50</th><th>p90</th>"
            "<th>fresh opens</th><th>background runtime</th></tr>" + "".join(rows) + "</table>")
    return f"<h2>Tasks</h2>{tasks}<h2>Apps</h2>{apps}"


def render_html(result: ReplayResult, metrics) -> str:
    sc = result.scenario
    data = json.dumps(report_data(result), separators=(",", ":")).replace("</", "<\\/")
    title = html.escape(sc.name)
    head = (f"profile {html.escape(result.profile_name)} · {html.escape(sc.device.model)} iOS "
            f"{html.escape(sc.device.ios)} · {html.escape(sc.timezone)} · seed {sc.seed} · "
            f"variant {html.escape(sc.variant)}")
    return _PAGE.replace("%TITLE%", title).replace("%HEAD%", head).replace(
        "%SUMMARY%", _summary_tables(result, metrics)).replace("%DATA%", data)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bgreplay — %TITLE%</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1d1d1f}
h1{font-size:20px;margin:0 0 4px} .head{color:#666;margin-bottom:12px}
#controls{margin:8px 0} #controls button,#controls select{font:inherit;margin-right:6px}
svg{background:#fafafa;border:1px solid #ddd} .lane-label{font-size:12px;fill:#333}
.axis{font-size:11px;fill:#888} #tip{position:fixed;pointer-events:none;background:#fff;
border:1px solid #999;padding:6px 8px;font-size:12px;max-width:480px;display:none;
box-shadow:0 2px 6px rgba(0,0,0,.2)} #tip table{border-collapse:collapse}
#tip td{padding:1px 6px;border-bottom:1px solid #eee}
table{border-collapse:collapse;margin:6px 0 16px} th,td{padding:3px 10px;text-align:left;
border-bottom:1px solid #e3e3e3} th{background:#f2f2f2} .legend span{margin-right:14px}
</style></head><body>
<h1>%TITLE%</h1><div class="head">%HEAD%</div>
<div id="controls"><button id="prev">◀</button><select id="day"></select>
<button id="next">▶</button></div>
<svg id="timeline" width="1240" height="300"></svg>
<div class="legend"><span style="color:#2e7d32">▲ launched</span>
<span style="color:#1b5e20">● completed</span><span style="color:#c62828">● failed</span>
<span style="color:#ef6c00">◆ expired</span><span style="color:#b71c1c">✖ killed</span>
<span style="color:#1565c0">· submitted</span><span style="color:#f9a825">▬ throttled</span></div>
%SUMMARY%
<div id="tip"></div>
<script>
"use strict";
const D = %DATA%;
const NS = "http://www.w3.org/2000/svg";
const svg = document.getElementById("timeline"), tip = document.getElementById("tip");
const LEFT = 170, WIDTH = 1040, ROW = 22;
const COLORS = {launched:"#2e7d32", completed:"#1b5e20", failure:"#c62828", expired:"#ef6c00",
  killed:"#b71c1c", submitted:"#1565c0", submit_failed:"#c62828", replaced:"#90a4ae",
  cancelled:"#90a4ae", app_crashed:"#b71c1c"};
function el(name, attrs, parent){const e=document.createElementNS(NS,name);
  for(const k in attrs) e.setAttribute(k, attrs[k]); (parent||svg).appendChild(e); return e;}
function esc(s){return String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",
  '"':"&quot;"}[c]));}
function hover(node, html){node.addEventListener("mousemove", ev=>{tip.innerHTML=html;
  tip.style.display="block"; tip.style.left=(ev.clientX+14)+"px";
  tip.style.top=(ev.clientY+14)+"px";}); node.addEventListener("mouseleave",
  ()=>{tip.style.display="none";});}
function breakdown(m){ if(!m.policies.length) return "";
  return "<table>"+m.policies.map(p=>"<tr>"+p.map(c=>"<td>"+esc(c)+"</td>").join("")+"</tr>")
    .join("")+"</table>";}
function draw(i){
  const day = D.days[i]; while(svg.firstChild) svg.removeChild(svg.firstChild);
  const span = day.end - day.start, x = t => LEFT + (t - day.start) / span * WIDTH;
  const lanes = ["unlocked / app","plugged","network","LPM / thermal","battery"]
    .concat(D.tasks);
  svg.setAttribute("height", 40 + lanes.length * ROW);
  for(let h=0; h<=24; h+=3){ const t = day.start + h*3600000; if(t>day.end) break;
    el("line",{x1:x(t),x2:x(t),y1:20,y2:30+lanes.length*ROW,stroke:"#e0e0e0"});
    const lab = el("text",{x:x(t)-6,y:14,class:"axis"}); lab.textContent=String(h).padStart(2,"0");}
  lanes.forEach((name, r)=>{ const lab = el("text",{x:6,y:36+r*ROW,class:"lane-label",
    "data-lane":name}); lab.textContent = name.length>26 ? "…"+name.slice(-25) : name;});
  const y = name => 24 + lanes.indexOf(name) * ROW;
  for(const iv of D.intervals){ if(iv.end<=day.start||iv.start>=day.end) continue;
    const a=Math.max(iv.start,day.start), b=Math.min(iv.end,day.end);
    let color = {unlocked:"#b0bec5", app:"#455a64", plugged:"#fbc02d", low_power_mode:"#8e24aa",
      thermal:"#e53935"}[iv.kind] || (iv.value==="wifi" ? "#4fc3f7" : "#81c784");
    const off = iv.kind==="app" ? 4 : 0;
    const r = el("rect",{x:x(a),y:y(iv.lane)+off,width:Math.max(1,x(b)-x(a)),
      height:14-2*off,fill:color,class:"mark"});
    hover(r, esc(iv.text));}
  const pts = D.battery.filter(p=>p[0]>=day.start&&p[0]<day.end);
  if(pts.length){ const yb=y("battery"); const path = pts.map((p,k)=>(k?"L":"M")+x(p[0])+","
      +(yb+14-p[1]/100*14)).join(" "); el("path",{d:path,stroke:"#3949ab",fill:"none"});}
  let open = {};
  const marks = D.marks;
  for(let k=0;k<marks.length;k++){ const m = marks[k];
    const ends = ["throttled","launched","replaced","cancelled","submitted"];
    if(open[m.task] && ends.includes(m.event)){ drawThrottle(open[m.task], m.t);
      delete open[m.task]; }
    if(m.event==="throttled"){ open[m.task]=m; continue; }
    if(m.t<day.start||m.t>=day.end) continue;
    const key = m.event==="completed" && m.reason!=="success" ? "failure" : m.event;
    const c = el("circle",{cx:x(m.t),cy:y(m.task)+7,r:m.event==="submitted"?2.5:4.5,
      fill:COLORS[key]||"#555",class:"mark"});
    hover(c, "<b>"+esc(m.when)+"</b> "+esc(m.text)+"<br>"+esc(m.detail)+breakdown(m));}
  for(const task in open) drawThrottle(open[task], D.end);
  function drawThrottle(m, until){ const a=Math.max(m.t,day.start), b=Math.min(until,day.end);
    if(b<=a) return; const r = el("rect",{x:x(a),y:y(m.task)+5,width:Math.max(1,x(b)-x(a)),
      height:4,fill:"#f9a825",class:"mark throttle"});
    hover(r, "<b>"+esc(m.when)+"</b> throttled by <b>"+esc(m.reason)+"</b><br>"+esc(m.detail)
      +breakdown(m));}
  document.body.dataset.lanes = lanes.length;
  document.body.dataset.marks = svg.querySelectorAll(".mark").length;
}
const pick = document.getElementById("day");
D.days.forEach((d,i)=>{const o=document.createElement("option"); o.value=i;
  o.textContent=d.label; pick.appendChild(o);});
pick.addEventListener("change", ()=>draw(+pick.value));
document.getElementById("prev").onclick=()=>{pick.value=Math.max(0,+pick.value-1);draw(+pick.value);};
document.getElementById("next").onclick=()=>{pick.value=Math.min(D.days.length-1,+pick.value+1);
  draw(+pick.value);};
draw(Math.min(1, D.days.length-1)); pick.value = Math.min(1, D.days.length-1);
document.body.dataset.rendered = "yes";
</script></body></html>
"""
