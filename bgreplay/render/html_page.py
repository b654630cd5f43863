"""The HTML report's page (``html.py`` fills it in): markup, style and the inline script that
draws the day strips from the JSON data. Placeholders: ``%TITLE%``, ``%HEADER%``, ``%SUMMARY%``
and ``%DATA%``."""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
body{font:14px/1.4 -apple-system,system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
pre.header{font:13px/1.35 ui-monospace,Menlo,Consolas,monospace;background:#f6f6f6;padding:.8em}
.controls{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd;
 z-index:2}
.controls label{margin-right:1em;white-space:nowrap}
.day{margin:1em 0;display:flex;flex-wrap:wrap;gap:.3em 1.5em;align-items:flex-start}
.day h3{font-size:14px;margin:.2em 0;flex-basis:100%}
.strip{overflow-x:auto;flex:0 1 auto;max-width:100%}
.summary{font-size:12px;min-width:14em;max-width:26em;flex:1 1 14em}
.summary b{display:block;margin-top:.3em}
.summary ul{margin:0;padding-left:1.1em}
svg text{font:11px ui-monospace,Menlo,Consolas,monospace}
.run-label{font-size:10px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px}
.scale{fill:#888;font-size:9px}
.lane-label{fill:#666}
.tick{fill:#888}
.grid{stroke:#eee}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:4px 8px;
 white-space:pre;
 border-radius:4px;font:12px ui-monospace,Menlo,monospace;display:none;z-index:3;
 max-width:60em}
table{border-collapse:collapse;margin:.5em 0}
th,td{padding:2px 10px;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child{text-align:left}
td.bad{color:#d62728;font-weight:bold}
.legend{display:flex;flex-wrap:wrap;gap:.2em 1.2em;margin:.6em 0}
.legend span{white-space:nowrap}
</style></head><body>
<pre class="header">%HEADER%</pre>
<div class="controls">
 <label>zoom <input id="zoom" type="range" min="12" max="240" value="40"> <span id="zv"></span>
 px/hour</label>
 <label>day <select id="day"><option value="all">all days</option></select></label>
 <span id="toggles"></span>
</div>
<div class="legend" id="legend"></div>
<div id="days"></div>
<div id="tip"></div>
%SUMMARY%
<script id="data" type="application/json">%DATA%</script>
<script>
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const H = 3600000, ROW = 18, BAT = 46, LABEL = 110, NS = "http://www.w3.org/2000/svg";
  const hidden = new Set();
  const tip = document.getElementById("tip");
  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function hover(node, text) {
    node.addEventListener("mousemove", ev => {
      tip.textContent = text; tip.style.display = "block";
      tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px";
    });
    node.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  }
  function legend() {
    const box = document.getElementById("legend");
    const seen = new Map();
    D.marks.forEach(m => seen.set(m.meaning, m));
    Object.values(D.points).forEach(m => seen.set(m.meaning, m));
    box.innerHTML = "";
    seen.forEach(m => {
      const s = document.createElement("span");
      s.innerHTML = '<b style="color:' + m.colour + '">' + m.glyph + "</b> ";
      s.appendChild(document.createTextNode(m.meaning));
      box.appendChild(s);
    });
  }
  function toggles() {
    const box = document.getElementById("toggles");
    D.lanes.forEach((lane, i) => {
      const l = document.createElement("label");
      const c = document.createElement("input");
      c.type = "checkbox"; c.checked = true;
      c.onchange = () => { c.checked ? hidden.delete(i) : hidden.add(i); draw(); };
      l.appendChild(c); l.appendChild(document.createTextNode(" " + lane.label));
      box.appendChild(l);
    });
  }
  const RUN = {success: "#2ca02c", failure: "#d62728", killed: "#8b0000", expired: "#c99700",
               cancelled: "#c99700", running: "#17a2b8"};
  const RUN_KINDS = new Set(["launched", "completed_success", "completed_failure", "expired",
                             "killed", "cancelled"]);
  function battery(svg, lane, day, y, px) {
    const h = BAT - 4, base = y + BAT - 2;
    const level = v => base - h * v / 100;
    [0, 20, 50, 100].forEach(v => {
      el("line", {x1: LABEL, x2: LABEL + (day.end - day.start) / H * px, y1: level(v),
        y2: level(v), stroke: v === 20 ? "#d62728" : "#ddd", "stroke-dasharray": v === 20 ?
        "3 3" : "", "stroke-width": 0.7}, svg);
      if (v !== 20) el("text", {x: LABEL - 4, y: level(v) + 3, "text-anchor": "end",
        class: "scale"}, svg).textContent = v + "%";
    });
    const pts = [];
    let last = null;
    lane.battery.forEach(([t, v]) => {
      if (t < day.start) { last = [t, v]; return; }
      if (t >= day.end) return;
      if (!pts.length && last) pts.push([day.start, last[1]]);
      pts.push([t, v]);
      last = [t, v];
    });
    if (!pts.length && last) pts.push([day.start, last[1]]);
    if (!pts.length) return;
    const end = Math.min(day.end, D.duration);
    pts.push([end, pts[pts.length - 1][1]]);
    const xs = pts.map(([t]) => LABEL + (Math.max(t, day.start) - day.start) / H * px);
    let line = "";
    pts.forEach(([, v], k) => {
      line += (k ? " H" + xs[k] + " V" : "M" + xs[k] + " ") + level(v);
    });
    el("path", {d: line + " V" + base + " H" + xs[0] + " Z", fill: "#2ca02c",
      "fill-opacity": 0.25, stroke: "none"}, svg);
    const path = el("path", {d: line, fill: "none", stroke: "#2ca02c", "stroke-width": 1.5}, svg);
    hover(path, "battery " + pts.map(p => p[1]).join(" → ") + " %");
  }
  function summary(day) {
    const box = document.createElement("div"); box.className = "summary";
    const add = (title, items) => {
      if (!items.length) return;
      const b = document.createElement("b"); b.textContent = title; box.appendChild(b);
      const ul = document.createElement("ul");
      items.forEach(text => {
        const li = document.createElement("li"); li.textContent = text; ul.appendChild(li);
      });
      box.appendChild(ul);
    };
    const S = day.summary;
    add("Launches", S.tasks.map(t => t.task + ": " + t.launches));
    add("Throttled, by policy", S.tasks.filter(t => t.throttled.length).map(t => t.task + ": "
      + t.throttled.map(([p, d]) => p + " " + d).join(", ")));
    add("Staleness at each open", S.opens.map(([app, at, stale]) =>
      at + "  " + stale + (D.apps > 1 ? "  " + app : "")));
    return box;
  }
  function draw() {
    const px = +document.getElementById("zoom").value;
    document.getElementById("zv").textContent = px;
    const root = document.getElementById("days");
    root.innerHTML = "";
    const lanes = D.lanes.map((l, i) => i).filter(i => !hidden.has(i));
    const heights = lanes.map(i => D.lanes[i].battery.length ? BAT : ROW);
    const tops = [];
    let bottom = 18;
    heights.forEach(h => { tops.push(bottom); bottom += h; });
    const pick = document.getElementById("day").value;
    D.days.forEach((day, dayIndex) => {
      if (pick !== "all" && +pick !== dayIndex) return;
      const div = document.createElement("div"); div.className = "day";
      const hours = (day.end - day.start) / H;
      const h3 = document.createElement("h3");
      h3.textContent = day.label + "  (" + day.offset + (hours !== 24 ? ", " + hours + " h" : "")
        + ")";
      div.appendChild(h3);
      const strip = document.createElement("div"); strip.className = "strip";
      const width = LABEL + hours * px + 40, height = bottom + 4;
      const svg = el("svg", {width: width, height: height}, strip);
      day.ticks.forEach(([off, label]) => {
        const x = LABEL + off / H * px;
        el("line", {x1: x, x2: x, y1: 14, y2: height, class: "grid"}, svg);
        if (px >= 18 || +label % 3 === 0) el("text", {x: x + 2, y: 11, class: "tick"}, svg)
          .textContent = label;
      });
      lanes.forEach((i, row) => {
        const lane = D.lanes[i], y = tops[row];
        el("text", {x: 0, y: y + 12, class: "lane-label"}, svg).textContent = lane.label;
        if (lane.battery.length) { battery(svg, lane, day, y, px); return; }
        lane.spans.forEach(([s, e, m]) => {
          if (e <= day.start || s >= day.end) return;
          const mark = D.marks[m];
          const a = Math.max(s, day.start), b = Math.min(e, day.end);
          const thin = mark.glyph === "·" || mark.glyph === "━";
          const r = el("rect", {x: LABEL + (a - day.start) / H * px,
            y: thin ? y + ROW / 2 - 1 : y + 2, width: Math.max(1, (b - a) / H * px),
            height: thin ? 2 : ROW - 4, fill: mark.colour, opacity: thin ? 0.6 : 0.8}, svg);
          const text = lane.label + ": " + mark.meaning + " (" + ((e - s) / 60000).toFixed(0)
            + " min)";
          hover(r, text);
          if (mark.letter && (b - a) / H * px > 12) {
            const t = el("text", {x: LABEL + (a - day.start) / H * px + 2, y: y + 12,
              fill: "#fff"}, svg);
            t.textContent = mark.glyph;
            hover(t, text);
          }
        });
      });
      D.runs.forEach(([s, e, laneIndex, outcome, took, text]) => {
        if (e < day.start || s >= day.end || hidden.has(laneIndex)) return;
        const y = tops[lanes.indexOf(laneIndex)];
        const a = Math.max(s, day.start), b = Math.min(e, day.end);
        const x = LABEL + (a - day.start) / H * px, w = Math.max(5, (b - a) / H * px);
        const bar = el("rect", {x: x, y: y + 1, width: w, height: ROW - 2, rx: 2,
          fill: RUN[outcome] || "#444", stroke: "#000", "stroke-opacity": 0.35, class: "run"},
          svg);
        hover(bar, text);
        const label = el("text", {x: x + w + 2, y: y + 13, class: "run-label"}, svg);
        label.textContent = took;
        hover(label, text);
      });
      D.events.forEach(([t, laneIndex, kind, text]) => {
        if (t < day.start || t >= day.end || hidden.has(laneIndex) || RUN_KINDS.has(kind)) return;
        const row = lanes.indexOf(laneIndex), p = D.points[kind];
        const g = el("text", {x: LABEL + (t - day.start) / H * px - 3, y: tops[row] + 12,
          fill: p.colour, "font-weight": "bold"}, svg);
        g.textContent = p.glyph;
        hover(g, text);
      });
      div.appendChild(strip);
      div.appendChild(summary(day));
      root.appendChild(div);
    });
    document.body.dataset.lanes = lanes.length;
    document.body.dataset.marks = root.querySelectorAll("rect, text").length;
    document.body.dataset.runs = root.querySelectorAll("rect.run").length;
  }
  function days() {
    const pick = document.getElementById("day");
    D.days.forEach((day, i) => {
      const o = document.createElement("option");
      o.value = i; o.textContent = day.label; pick.appendChild(o);
    });
    if (D.days.length > 7) pick.value = "0";  // a multi-week run opens on its first day
    pick.addEventListener("change", draw);
  }
  document.getElementById("zoom").addEventListener("input", draw);
  legend(); toggles(); days(); draw();
  document.body.dataset.rendered = "yes";
})();
</script>
</body></html>
"""
