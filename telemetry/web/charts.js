// Charts for the telemetry page, drawn as SVG: time series (lines, stacked
// areas, a second axis), bar histograms with percentile marks, a process
// timeline and a heat map. No library: each function empties its container
// and draws into it. Values are never inserted as HTML.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function htmlEl(name, cls, text, parent) {
  const e = document.createElement(name);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// niceTicks gives about n round values from 0 (or lo) to at least hi.
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || 10 * mag;
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  if (ticks[ticks.length - 1] < hi) ticks.push(+(ticks[ticks.length - 1] + step).toPrecision(12));
  return ticks;
}

function two(n) { return n < 10 ? "0" + n : "" + n; }
function clock(t, seconds) {
  const d = new Date(t * 1000);
  return two(d.getHours()) + ":" + two(d.getMinutes()) + (seconds ? ":" + two(d.getSeconds()) : "");
}

// timeTicks: round times between t0 and t1, about every (t1-t0)/6.
function timeTicks(t0, t1) {
  const span = t1 - t0;
  const step = [5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600].find(s => span / s <= 7) || 3600;
  const out = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return { ticks: out, seconds: step < 60 };
}

// endAnchor: a time label at either end of the axis stays inside the chart.
function endAnchor(px, left, right) { return px > right - 16 ? "end" : px < left + 16 ? "start" : "middle"; }

const MARGIN = { top: 10, right: 54, bottom: 22, left: 58 };

// timeChart draws series over [t0, t1] into el.
//   opts.t: times (Unix seconds); opts.series: [{name, color, values,
//   area, stack, right, dash}]; opts.fmt / opts.fmtRight: axis labels;
//   opts.markers: [{t, label}]; opts.height; opts.yMax: a least top;
//   opts.empty: text when there is nothing to draw.
// The svg carries data-t0, data-t1 and data-points (values drawn) for
// tests and scripts.
function timeChart(el, opts) {
  el.replaceChildren();
  const width = Math.max(320, el.clientWidth || 600);
  const height = opts.height || 190;
  const m = Object.assign({}, MARGIN, opts.series.some(s => s.right) ? {} : { right: 14 });
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const t0 = opts.t0, t1 = opts.t1;
  const x = t => m.left + (t - t0) / (t1 - t0) * w;
  const t = opts.t || [];

  // Stacks: cumulative values per index for series with stack set.
  const base = t.map(() => 0);
  const drawn = opts.series.map(s => {
    const vals = (s.values || []).map(v => (v === null || v === undefined || isNaN(v)) ? null : +v);
    if (!s.stack) return { s, lo: null, hi: vals };
    const lo = base.slice();
    const hi = vals.map((v, i) => v === null ? null : (base[i] += v));
    return { s, lo, hi };
  });
  let maxL = opts.yMax || 0, maxR = opts.yMaxRight || 0, points = 0;
  drawn.forEach(d => d.hi.forEach((v, i) => {
    if (v === null || t[i] < t0 - 1e-6) return;
    points++;
    if (d.s.right) maxR = Math.max(maxR, v); else maxL = Math.max(maxL, v);
  }));
  const svg = svgEl("svg", { class: "chart", width, height, viewBox: `0 0 ${width} ${height}`,
    "data-t0": t0, "data-t1": t1, "data-points": points, role: "img" }, el);
  if (opts.title) svgEl("title", {}, svg).textContent = opts.title;
  const ticksL = niceTicks(0, maxL || 1, 4), topL = ticksL[ticksL.length - 1];
  const ticksR = niceTicks(0, maxR || (opts.fmtRight ? 0.01 : 1), 4), topR = ticksR[ticksR.length - 1];
  const yL = v => m.top + h - v / topL * h, yR = v => m.top + h - v / topR * h;

  const grid = svgEl("g", { class: "grid" }, svg);
  ticksL.forEach(v => {
    svgEl("line", { x1: m.left, x2: m.left + w, y1: yL(v), y2: yL(v) }, grid);
    svgEl("text", { x: m.left - 6, y: yL(v) + 4, "text-anchor": "end", class: "tick" }, grid).textContent = (opts.fmt || String)(v);
  });
  if (opts.series.some(s => s.right)) {
    ticksR.forEach(v => {
      svgEl("text", { x: m.left + w + 6, y: yR(v) + 4, "text-anchor": "start", class: "tick right" }, grid).textContent = (opts.fmtRight || String)(v);
    });
  }
  const tt = timeTicks(t0, t1);
  tt.ticks.forEach(tv => {
    svgEl("line", { x1: x(tv), x2: x(tv), y1: m.top + h, y2: m.top + h + 4, class: "axis" }, grid);
    svgEl("text", { x: x(tv), y: height - 6, "text-anchor": endAnchor(x(tv), m.left, m.left + w), class: "tick" }, grid).textContent = clock(tv, tt.seconds);
  });
  svgEl("line", { x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h, class: "axis" }, grid);

  const clip = "c" + Math.random().toString(36).slice(2);
  const cp = svgEl("clipPath", { id: clip }, svgEl("defs", {}, svg));
  svgEl("rect", { x: m.left, y: m.top - 1, width: w, height: h + 2 }, cp);
  const plot = svgEl("g", { "clip-path": `url(#${clip})` }, svg);

  // Areas first (stacked ones from the top down so each is visible), then lines.
  drawn.forEach(d => {
    const y = d.s.right ? yR : yL;
    if (d.s.dots) {
      d.hi.forEach((v, i) => {
        if (v !== null) svgEl("circle", { cx: x(t[i]).toFixed(1), cy: y(v).toFixed(1), r: 2.6, fill: d.s.color, class: "series dot" }, plot);
      });
      return;
    }
    const runs = [];
    let run = [];
    d.hi.forEach((v, i) => {
      if (v === null) { if (run.length) runs.push(run); run = []; } else run.push(i);
    });
    if (run.length) runs.push(run);
    runs.forEach(r => {
      const line = r.map((i, k) => (k ? "L" : "M") + x(t[i]).toFixed(1) + "," + y(d.hi[i]).toFixed(1)).join("");
      // A single point is drawn as a short level segment so it shows.
      const solo = r.length === 1 ? "h2" : "";
      if (d.s.area || d.s.stack) {
        const back = r.slice().reverse().map(i => "L" + x(t[i]).toFixed(1) + "," + y(d.lo ? d.lo[i] : 0).toFixed(1)).join("");
        svgEl("path", { d: line + solo + back + "Z", fill: d.s.color, "fill-opacity": d.s.stack ? 0.75 : 0.18, stroke: "none", class: "area" }, plot);
      }
      svgEl("path", { d: line + solo, fill: "none", stroke: d.s.color, "stroke-width": d.s.width || 1.6,
        "stroke-dasharray": d.s.dash || "none", class: "series", "data-name": d.s.name }, plot);
    });
  });

  (opts.markers || []).forEach(mk => {
    if (mk.t < t0 || mk.t > t1) return;
    const g = svgEl("g", { class: "marker" }, svg);
    svgEl("line", { x1: x(mk.t), x2: x(mk.t), y1: m.top, y2: m.top + h }, g);
    svgEl("path", { d: `M${x(mk.t) - 4},${m.top - 1}h8l-4,6z` }, g);
    svgEl("title", {}, g).textContent = mk.label;
  });

  if (!points) {
    svgEl("text", { x: m.left + w / 2, y: m.top + h / 2, "text-anchor": "middle", class: "nodata" }, svg)
      .textContent = opts.empty || "no data in this window";
  }

  // Legend under the chart, with the latest value of each series.
  const legend = htmlEl("div", "legend", null, el);
  opts.series.forEach(s => {
    const item = htmlEl("span", "item", null, legend);
    const sw = htmlEl("i", "swatch" + (s.dash ? " dashed" : ""), null, item);
    sw.style.background = s.dash ? "transparent" : s.color;
    sw.style.borderColor = s.color;
    let last = null;
    for (let i = (s.values || []).length - 1; i >= 0; i--) if (s.values[i] !== null && s.values[i] !== undefined) { last = s.values[i]; break; }
    const f = s.right ? (opts.fmtRight || String) : (opts.fmt || String);
    htmlEl("span", null, s.name + (last === null ? "" : " " + f(last)), item);
  });

  // Hover: a crosshair and every series' value at the nearest time.
  const tip = htmlEl("div", "tip", null, el);
  tip.hidden = true;
  const cross = svgEl("line", { class: "cross", y1: m.top, y2: m.top + h, x1: -10, x2: -10 }, svg);
  const hit = svgEl("rect", { x: m.left, y: m.top, width: w, height: h, fill: "transparent" }, svg);
  hit.addEventListener("mousemove", ev => {
    if (!t.length) return;
    const r = svg.getBoundingClientRect();
    const tv = t0 + (ev.clientX - r.left - m.left) / w * (t1 - t0);
    let best = 0;
    t.forEach((v, i) => { if (Math.abs(v - tv) < Math.abs(t[best] - tv)) best = i; });
    cross.setAttribute("x1", x(t[best])); cross.setAttribute("x2", x(t[best]));
    tip.replaceChildren();
    htmlEl("b", null, clock(t[best], true), tip);
    opts.series.forEach(s => {
      const v = (s.values || [])[best];
      const f = s.right ? (opts.fmtRight || String) : (opts.fmt || String);
      htmlEl("div", null, s.name + ": " + (v === null || v === undefined ? "–" : f(v)), tip);
    });
    tip.hidden = false;
    const left = x(t[best]) + 12;
    tip.style.left = (left + 160 > width ? left - 180 : left) + "px";
    tip.style.top = m.top + "px";
  });
  hit.addEventListener("mouseleave", () => { tip.hidden = true; cross.setAttribute("x1", -10); cross.setAttribute("x2", -10); });
  return svg;
}

// histChart draws buckets [{le, count}] as bars, one per bucket, with
// vertical marks [{value, label, color}] placed within their bucket on a
// log scale. fmt formats a bucket bound.
// The overflow bucket's bound: null, or the largest float (JSON has no
// infinity).
function unbounded(le) { return le === null || le === undefined || le >= 1e300; }

function histChart(el, buckets, marks, fmt) {
  el.replaceChildren();
  const width = Math.max(320, el.clientWidth || 600), height = 200;
  const m = { top: 22, right: 30, bottom: 34, left: 50 };
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const svg = svgEl("svg", { class: "chart hist", width, height, viewBox: `0 0 ${width} ${height}`,
    "data-bars": buckets.length }, el);
  if (!buckets.length) {
    svgEl("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "nodata" }, svg).textContent = "no data in this window";
    return svg;
  }
  const max = Math.max(...buckets.map(b => b.count), 1);
  const ticks = niceTicks(0, max, 4), top = ticks[ticks.length - 1];
  const bw = w / buckets.length;
  const y = v => m.top + h - v / top * h;
  ticks.forEach(v => {
    svgEl("line", { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v), class: "gridline" }, svg);
    svgEl("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, svg).textContent = v;
  });
  const every = Math.ceil(buckets.length / Math.max(1, Math.floor(w / 70)));
  buckets.forEach((b, i) => {
    // A bucket with any count shows, however tall the others are.
    const bh = b.count > 0 ? Math.max(2, m.top + h - y(b.count)) : 0;
    const r = svgEl("rect", { x: m.left + i * bw + 1, y: m.top + h - bh, width: Math.max(1, bw - 2), height: bh, class: "bar" }, svg);
    svgEl("title", {}, r).textContent = (i ? fmt(buckets[i - 1].le) + " – " : "≤ ") + (unbounded(b.le) ? "∞" : fmt(b.le)) + ": " + b.count;
    if (i % every === 0) {
      svgEl("text", { x: m.left + (i + 1) * bw, y: m.top + h + 14, "text-anchor": "middle", class: "tick" }, svg)
        .textContent = unbounded(b.le) ? "more" : "≤" + fmt(b.le);
    }
  });
  svgEl("line", { x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h, class: "axis" }, svg);
  // Place each mark inside the bucket that holds it.
  const pos = v => {
    for (let i = 0; i < buckets.length; i++) {
      const hi = unbounded(buckets[i].le) ? Infinity : buckets[i].le;
      if (v <= hi) {
        const lo = i ? buckets[i - 1].le : (hi / 2);
        const f = hi === Infinity || lo <= 0 ? 0.5 : Math.min(1, Math.max(0, Math.log(v / lo) / Math.log(hi / lo)));
        return m.left + (i + f) * bw;
      }
    }
    return m.left + w;
  };
  let lastX = -100, row = 0;
  marks.filter(k => k.value !== null && k.value !== undefined).forEach(k => {
    const px = pos(k.value);
    row = px - lastX < 60 ? row + 1 : 0;
    lastX = px;
    const g = svgEl("g", { class: "pmark" }, svg);
    svgEl("line", { x1: px, x2: px, y1: m.top - 4, y2: m.top + h, stroke: k.color }, g);
    // Labels read rightwards from their mark, leftwards near the right edge.
    const right = px > width - m.right - 90;
    svgEl("text", { x: right ? px - 3 : px + 3, y: m.top - 10 + row * 11, "text-anchor": right ? "end" : "start", class: "tick", fill: k.color }, g).textContent = k.label;
  });
  svgEl("text", { x: m.left + w / 2, y: height - 2, "text-anchor": "middle", class: "tick" }, svg).textContent = "bucket (upper bound)";
  return svg;
}

// timeline draws one row per (group, slot), a bar per process from start
// to end (now while it lives), coloured by state, with markers.
function timelineChart(el, bars, t0, t1, markers) {
  el.replaceChildren();
  const rows = [];
  const key = b => b.group + "\u0000" + b.slot;
  bars.forEach(b => { if (!rows.includes(key(b))) rows.push(key(b)); });
  rows.sort();
  const width = Math.max(320, el.clientWidth || 600), rh = 22;
  const m = { top: 12, right: 16, bottom: 22, left: 180 };
  const height = m.top + m.bottom + Math.max(1, rows.length) * rh;
  const w = width - m.left - m.right;
  const x = t => m.left + (Math.min(t1, Math.max(t0, t)) - t0) / (t1 - t0) * w;
  const svg = svgEl("svg", { class: "chart timeline", width, height, viewBox: `0 0 ${width} ${height}`,
    "data-t0": t0, "data-t1": t1, "data-points": bars.length }, el);
  const tt = timeTicks(t0, t1);
  tt.ticks.forEach(tv => {
    svgEl("line", { x1: x(tv), x2: x(tv), y1: m.top, y2: height - m.bottom, class: "gridline" }, svg);
    svgEl("text", { x: x(tv), y: height - 6, "text-anchor": endAnchor(x(tv), m.left, m.left + w), class: "tick" }, svg).textContent = clock(tv, tt.seconds);
  });
  rows.forEach((r, i) => {
    const [group, slot] = r.split("\u0000");
    const label = svgEl("text", { x: m.left - 8, y: m.top + i * rh + 15, "text-anchor": "end", class: "tick" }, svg);
    label.textContent = (group.length > 22 ? "…" + group.slice(-21) : group) + " #" + slot;
  });
  if (!rows.length) {
    svgEl("text", { x: m.left + w / 2, y: m.top + 14, "text-anchor": "middle", class: "nodata" }, svg).textContent = "no process in this window";
  }
  bars.forEach(b => {
    const i = rows.indexOf(key(b));
    const end = b.end === null || b.end === undefined ? t1 : b.end;
    const x0 = x(b.start), x1 = Math.max(x(end), x0 + 2);
    const r = svgEl("rect", { x: x0, y: m.top + i * rh + 4, width: x1 - x0, height: rh - 8, rx: 3, class: "pbar state-" + b.state }, svg);
    svgEl("title", {}, r).textContent = `pid ${b.pid} ${b.state}${b.reason ? " (" + b.reason + ")" : ""}, ${clock(b.start, true)} – ${b.end ? clock(b.end, true) : "now"}`;
    if (x1 - x0 > 60) {
      svgEl("text", { x: x0 + 5, y: m.top + i * rh + 15, class: "barlabel" }, svg).textContent = "pid " + b.pid;
    }
  });
  (markers || []).forEach(mk => {
    if (mk.t < t0 || mk.t > t1) return;
    const g = svgEl("g", { class: "marker" }, svg);
    svgEl("line", { x1: x(mk.t), x2: x(mk.t), y1: m.top, y2: height - m.bottom }, g);
    svgEl("path", { d: `M${x(mk.t) - 4},${m.top - 8}h8l-4,6z` }, g);
    svgEl("title", {}, g).textContent = mk.label;
  });
  return svg;
}

// heatMap draws rows of fractions (0..1) over times t as coloured cells.
function heatMap(el, t, rows, t0, t1, rowLabel, markers) {
  el.replaceChildren();
  const width = Math.max(320, el.clientWidth || 600), rh = 14;
  const m = { top: 4, right: 16, bottom: 20, left: 80 };
  const height = m.top + m.bottom + Math.max(1, rows.length) * rh;
  const w = width - m.left - m.right;
  const x = v => m.left + (v - t0) / (t1 - t0) * w;
  const svg = svgEl("svg", { class: "chart heat", width, height, viewBox: `0 0 ${width} ${height}`,
    "data-t0": t0, "data-t1": t1 }, el);
  const step = t.length > 1 ? t[1] - t[0] : 1;
  let cells = 0;
  rows.forEach((row, r) => {
    svgEl("text", { x: m.left - 6, y: m.top + r * rh + 11, "text-anchor": "end", class: "tick" }, svg).textContent = rowLabel(r);
    row.forEach((v, i) => {
      if (v === null || v === undefined || t[i] < t0) return;
      const x0 = x(t[i] - step), x1 = x(t[i]);
      const c = svgEl("rect", { x: Math.max(m.left, x0), y: m.top + r * rh, width: Math.max(1, x1 - Math.max(m.left, x0) - 0.5), height: rh - 1, fill: heat(v) }, svg);
      svgEl("title", {}, c).textContent = `${rowLabel(r)} ${clock(t[i], true)}: ${Math.round(v * 100)}% busy`;
      cells++;
    });
  });
  svg.setAttribute("data-points", cells);
  (markers || []).forEach(mk => {
    if (mk.t < t0 || mk.t > t1) return;
    const g = svgEl("g", { class: "marker" }, svg);
    svgEl("line", { x1: x(mk.t), x2: x(mk.t), y1: m.top, y2: height - m.bottom }, g);
    svgEl("title", {}, g).textContent = mk.label;
  });
  const tt = timeTicks(t0, t1);
  tt.ticks.forEach(tv => {
    svgEl("text", { x: x(tv), y: height - 5, "text-anchor": endAnchor(x(tv), m.left, m.left + w), class: "tick" }, svg).textContent = clock(tv, tt.seconds);
  });
  return svg;
}

// heat: idle pale, half busy amber, saturated red.
function heat(v) {
  v = Math.max(0, Math.min(1, v));
  const stops = [[0, [234, 240, 247]], [0.5, [246, 189, 96]], [1, [196, 40, 40]]];
  let i = v <= 0.5 ? 0 : 1;
  const [a, ca] = stops[i], [b, cb] = stops[i + 1];
  const f = (v - a) / (b - a);
  const c = ca.map((x, k) => Math.round(x + (cb[k] - x) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// hbar draws a horizontal stacked bar of parts [{name, value, color}]
// totalling total, with labels below.
function hbar(el, parts, total) {
  el.replaceChildren();
  const width = Math.max(300, el.clientWidth || 500), height = 28;
  const svg = svgEl("svg", { class: "chart hbar", width, height, viewBox: `0 0 ${width} ${height}` }, el);
  let x0 = 0, drawn = 0;
  const sum = total || parts.reduce((a, p) => a + (p.value || 0), 0) || 1;
  parts.forEach(p => {
    if (!p.value) return;
    const pw = p.value / sum * width;
    const r = svgEl("rect", { x: x0, y: 2, width: Math.max(1, pw), height: height - 4, fill: p.color, class: "part" }, svg);
    svgEl("title", {}, r).textContent = p.name + ": " + p.label;
    if (pw > 70) svgEl("text", { x: x0 + 4, y: 18, class: "barlabel" }, svg).textContent = p.name;
    x0 += pw; drawn++;
  });
  svg.setAttribute("data-points", drawn);
  const legend = htmlEl("div", "legend flush", null, el);
  parts.forEach(p => {
    const item = htmlEl("span", "item", null, legend);
    htmlEl("i", "swatch", null, item).style.background = p.color;
    htmlEl("span", null, p.name + " " + p.label, item);
  });
  return svg;
}
