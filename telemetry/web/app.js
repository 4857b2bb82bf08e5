// The telemetry page: polls the JSON API (docs/telemetry-api.md) with
// relative URLs, so it also works under a reverse proxy's path prefix,
// and draws the chosen view with charts.js.
"use strict";

const POLL_MS = 2000;
const PHASES = ["request", "server", "queue", "daemon", "application", "gil_wait", "input_read", "output_write"];
const PHASE_NAMES = { request: "request (total)", server: "server", queue: "queue", daemon: "daemon", application: "application",
  gil_wait: "GIL wait", input_read: "input read", output_write: "output write" };
const PHASE_COLORS = { request: "#1d2430", server: "#8e6ac8", queue: "#e0883a", daemon: "#3c9a5f", application: "#2f6fd6",
  gil_wait: "#c84b3c", input_read: "#2aa5a5", output_write: "#b8a030" };
const CLASS_COLORS = { "2xx": "#3c9a5f", "3xx": "#4a86d8", "4xx": "#e3a43c", "5xx": "#c84b3c", "1xx": "#98a2b3", "unknown": "#c5cad3" };
const GEN_COLORS = { "0": "#4a86d8", "1": "#e3a43c", "2": "#c84b3c" };

const state = {
  view: "overview", window: 300, scope: "", phase: "request", pctl: "p95",
  slow: { state: "", path: "", min: "", sort: "start", order: "desc", id: "" },
  snap: null, series: null, busy: false, again: false, timer: 0,
};

// ---- formatting ----
function none(v) { return v === null || v === undefined || (typeof v === "number" && isNaN(v)); }
function secs(v) {
  if (none(v)) return "–";
  if (v === 0) return "0";
  if (v < 0.001) return (v * 1e6).toFixed(0) + " µs";
  if (v < 1) return (v * 1e3).toFixed(v < 0.01 ? 2 : v < 0.1 ? 1 : 0) + " ms";
  return v.toFixed(v < 10 ? 2 : 1) + " s";
}
function num(v, d) { return none(v) ? "–" : (+v).toFixed(d === undefined ? 1 : d); }
function pct(v, d) { return none(v) ? "–" : (v * 100).toFixed(d === undefined ? (v !== 0 && Math.abs(v) < 0.1 ? 1 : 0) : d) + "%"; }
function bytes(v) {
  if (none(v)) return "–";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"]; let i = 0;
  while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i && v < 10 ? v.toFixed(1) : v.toFixed(0)) + " " + u[i];
}
function dur(s) {
  if (none(s)) return "–";
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  if (d) return d + "d " + h + "h"; if (h) return h + "h " + m + "m"; if (m) return m + "m " + (s % 60) + "s";
  return s + "s";
}
function span_(w) { return w % 60 === 0 ? w / 60 + " min" : w + " s"; }
function when(t) {
  if (none(t)) return "–";
  const d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
  return d.toLocaleTimeString([], { hour12: false });
}
function tsec(t) { return typeof t === "number" ? t : Date.parse(t) / 1000; }
// lat3 formats p50/p95/p99 of a Latency, "< 1 ms" when it has requests
// but no percentile (all below the first bucket).
function lat3(l) {
  if (!l) return "–";
  if (l.count > 0 && none(l.p50) && none(l.p95)) return under();
  return [secs(l.p50), secs(l.p95), secs(l.p99)].join(" / ");
}

// under: what a percentile below the first bucket is shown as; mod_wsgi
// 4.x's first bucket is 5 ms, mod_wsgi 6's 1 ms.
function under() { return caps().source === "reporter" ? "< 5 ms" : "< 1 ms"; }

// ---- DOM helpers (text only, never HTML from the wire) ----
const $ = id => document.getElementById(id);
function td(text, cls) { return htmlEl("td", cls, text === undefined || text === null ? "" : String(text)); }
function row(cells, cls) { const tr = htmlEl("tr", cls); cells.forEach(c => tr.appendChild(c)); return tr; }
function fill(id, rows, cols, empty) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  if (!rows.length) {
    const c = td(empty, "empty"); c.colSpan = cols; body.appendChild(row([c])); return;
  }
  rows.forEach(r => body.appendChild(r));
}

// ---- fetching ----
class APIError extends Error {}
async function get(path) {
  const res = await fetch(path, { cache: "no-store" });
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const msg = body && body.error ? body.error : "HTTP " + res.status;
    const err = new APIError(path.split("?")[0] + ": " + msg);
    err.status = res.status;
    throw err;
  }
  return body;
}
// scopeParams: the window and the chosen group, and the chosen process
// for the endpoints that take one (withPID); the others get its group.
function scopeParams(withPID) {
  const p = new URLSearchParams();
  p.set("window", state.window);
  if (state.scope.startsWith("g:")) p.set("group", state.scope.slice(2));
  if (state.scope.startsWith("p:")) {
    const [, pid, group] = state.scope.match(/^p:(\d+):(.*)$/) || [];
    if (pid) { p.set("group", group); if (withPID) p.set("pid", pid); }
  }
  return p;
}

async function refresh() {
  if (state.busy) { state.again = true; return; }
  state.busy = true;
  clearTimeout(state.timer);
  const status = $("status"), apierr = $("apierr");
  try {
    const snap = await get("api/snapshot");
    state.snap = snap;
    renderHeader(snap);
    const problems = [];
    const step = async (fn) => {
      try { await fn(); } catch (e) {
        if (!(e instanceof APIError)) { console.error(e); }
        problems.push(e.message);
      }
    };
    await step(loadSeries);
    await step(() => VIEWS[state.view](snap));
    apierr.hidden = !problems.length;
    apierr.textContent = problems.length ? "Some data could not be read: " + problems.join("; ") : "";
    status.className = "";
    status.textContent = "updated " + when(snap.time) + (snap.ingest && snap.ingest.last ? "" : " · no datagram yet");
  } catch (e) {
    if (!(e instanceof APIError) && !(e instanceof TypeError)) console.error(e);
    status.className = "down";
    status.textContent = "cannot reach the ingester (" + e.message + ")";
  } finally {
    state.busy = false;
    if (state.again) { state.again = false; setTimeout(refresh, 0); }
    else state.timer = setTimeout(refresh, POLL_MS);
  }
}

async function loadSeries() {
  state.series = null;
  state.series = await get("api/series?" + scopeParams(true));
}

// span is the time range every chart shows: the window, ending now.
function span() {
  const t1 = state.snap ? tsec(state.snap.time) : Date.now() / 1000;
  return { t0: t1 - state.window, t1 };
}
function markers() {
  const s = state.series;
  if (!s || !s.markers) return [];
  return s.markers.map(m => ({ t: m.t, label: `${m.kind} · ${m.group} pid ${m.pid}${m.reason ? " (" + m.reason + ")" : ""}` }));
}
function caps() { return (state.snap && state.snap.capabilities) || { missing: [] }; }
function missingWhy(what) {
  const m = (caps().missing || []).find(x => x.what.toLowerCase() === what.toLowerCase());
  return m ? m.why : "";
}

// ---- header ----
function scopeView(snap) {
  if (state.scope.startsWith("g:")) return snap.groups.find(g => g.name === state.scope.slice(2));
  if (state.scope.startsWith("p:")) {
    const pid = +state.scope.split(":")[1];
    return snap.processes.find(p => p.pid === pid);
  }
  return null;
}

function renderHeader(snap) {
  const t = snap.totals, v = scopeView(snap) || t;
  $("k-rps").textContent = num(none(v.current_throughput) ? v.throughput : v.current_throughput, 1);
  $("k-rps-mean").textContent = "req/s now · " + num(v.throughput, 1) + " mean over " + snap.window_seconds + " s";
  const workers = v.workers || 0;
  $("k-cap").textContent = workers ? pct(v.busy / workers, 0) : "–";
  $("k-cap-detail").textContent = "capacity · " + num(v.busy, 1) + "/" + workers + " busy" +
    (none(v.in_flight) || caps().in_flight === false ? "" : " · " + v.in_flight + " in flight");
  // 5xx since the ingester started: the group's, or every group's.
  const errs = v.requests && typeof v.requests === "object" ? v.requests["5xx"] || 0
    : v === t ? snap.groups.reduce((a, g) => a + ((g.requests && g.requests["5xx"]) || 0), 0) : null;
  $("k-err").textContent = pct(v.error_rate, 1);
  $("k-err").className = v.error_rate > 0.01 ? "bad" : "";
  $("k-err-detail").textContent = "5xx in window" + (errs === null ? "" : " · " + errs + " since start");
  $("k-lat").textContent = lat3(v.latency);
  $("k-lat-label").textContent = "p50 / p95 / p99 " + ((v.latency && v.latency.phase) || "request");
  const restarts = snap.groups.reduce((a, g) => a + (g.restarts || 0), 0);
  $("k-procs").textContent = t.processes;
  $("k-procs-detail").textContent = "processes · " + restarts + " restart" + (restarts === 1 ? "" : "s");
  $("k-req").textContent = t.requests;
  renderScope(snap);
  renderNeeds6(snap);
}

function renderScope(snap) {
  const sel = $("scope");
  const opts = [["", "all groups"]];
  snap.groups.forEach(g => opts.push(["g:" + g.name, "group " + g.name]));
  snap.processes.filter(p => p.state === "running" || p.state === "stopping")
    .forEach(p => opts.push([`p:${p.pid}:${p.group}`, `  pid ${p.pid} (${p.group}${none(p.slot) ? "" : " #" + p.slot})`]));
  if (state.scope && !opts.some(o => o[0] === state.scope)) opts.push([state.scope, state.scope.replace(/^p:(\d+):.*/, "pid $1 (gone)").replace(/^g:/, "group ")]);
  const key = opts.map(o => o[0]).join("\n");
  if (sel.dataset.key !== key) {
    sel.replaceChildren(...opts.map(([v, l]) => { const o = htmlEl("option", null, l); o.value = v; return o; }));
    sel.dataset.key = key;
  }
  sel.value = state.scope;
}

function renderNeeds6(snap) {
  const c = snap.capabilities, box = $("needs6");
  if (!c || !c.missing || !c.missing.length) { box.hidden = true; return; }
  box.hidden = false;
  const how = c.source === "reporter" ? " (reported by the Python reporter)" : "";
  $("needs6-title").textContent = (c.module ? "This server runs mod_wsgi " + c.module + how + ". " : "") +
    "Not shown, as it needs mod_wsgi 6: " + c.missing.map(m => m.what).join(", ") + ".";
  $("needs6-list").replaceChildren(...c.missing.map(m => {
    const li = htmlEl("li");
    htmlEl("b", null, m.what + ": ", li);
    li.appendChild(document.createTextNode(m.why));
    return li;
  }));
}

// ---- views ----
const VIEWS = {
  async overview(snap) {
    const s = state.series, sp = span(), mk = markers();
    const classes = ["2xx", "3xx", "4xx", "5xx", "1xx", "unknown"].filter(k => s.throughput[k] &&
      (["2xx", "3xx", "4xx", "5xx"].includes(k) || s.throughput[k].some(v => v)));
    timeChart($("c-throughput"), { t: s.t, ...sp, markers: mk, fmt: v => num(v, v < 10 ? 1 : 0) + "/s", fmtRight: v => pct(v),
      series: [...classes.map(k => ({ name: k, color: CLASS_COLORS[k], values: s.throughput[k], stack: true })),
        { name: "error rate (5xx)", color: "#7a1f16", values: s.error_rate, right: true, width: 1.1 }] });
    // Which process the charts show (0: the group or all groups), for scripts and tests.
    $("view-overview").dataset.pid = s.pid || 0;
    timeChart($("c-capacity"), { t: s.t, ...sp, markers: mk, fmt: v => pct(v, 0), yMax: 1,
      series: [{ name: "capacity used", color: "#2f6fd6", values: s.capacity, area: true }] });
    const lp = s.latency && (s.latency.request || s.latency[Object.keys(s.latency)[0]]);
    const lname = s.latency && s.latency.request ? "request" : Object.keys(s.latency || {})[0];
    document.querySelector("#c-latency").previousElementSibling.textContent = "Latency (" + (lname || "request") + ")";
    timeChart($("c-latency"), { t: s.t, ...sp, markers: mk, fmt: secs,
      series: lp ? [{ name: "p50", color: "#3c9a5f", values: lp.p50 }, { name: "p95", color: "#e0883a", values: lp.p95 },
        { name: "p99", color: "#c84b3c", values: lp.p99 }] : [] });
    timeChart($("c-cpu"), { t: s.t, ...sp, markers: mk, fmt: v => num(v, v < 1 ? 2 : 1),
      series: [{ name: "CPU cores", color: "#8e6ac8", values: s.cpu, area: true }] });
    timeChart($("c-rss"), { t: s.t, ...sp, markers: mk, fmt: bytes,
      series: [{ name: "RSS", color: "#2aa5a5", values: s.rss, area: true }] });
    fill("t-groups", snap.groups.map(g => row([
      td(g.name, "l"), td(g.processes), td(num(none(g.current_throughput) ? g.throughput : g.current_throughput, 1)), td(num(g.throughput, 1)),
      td(g.latency && g.latency.count > 0 && none(g.latency.p95) ? under() : secs(g.latency && g.latency.p95)),
      td(pct(g.capacity, 0)), td(num(g.cpu, 2)), td(bytes(g.rss)), td(g.requests["5xx"] || 0), td(g.restarts),
    ])), 10, "No process has reported yet.");
  },

  async latency(snap) {
    const s = state.series, sp = span(), mk = markers();
    const have = PHASES.filter(p => s.latency && s.latency[p]);
    const sel = $("phase");
    const key = have.join(",");
    if (sel.dataset.key !== key) {
      sel.replaceChildren(...have.map(p => { const o = htmlEl("option", null, PHASE_NAMES[p]); o.value = p; return o; }));
      sel.dataset.key = key;
    }
    // The whole request, or with 4.x the application's time.
    if (!have.includes(state.phase) && have.length) state.phase = have.includes("application") ? "application" : have[0];
    sel.value = state.phase;
    const lacking = PHASES.filter(p => !have.includes(p));
    $("phases-note").textContent = lacking.length ? "Not reported by this module: " + lacking.map(p => PHASE_NAMES[p]).join(", ") +
      (caps().request_phase === false || caps().source === "reporter" ? " (these need mod_wsgi 6)." : ".") : "";
    $("h-phases").textContent = "Where time goes: " + state.pctl + " of each phase over time";
    timeChart($("c-phases"), { t: s.t, ...sp, markers: mk, fmt: secs, height: 210,
      series: have.map(p => ({ name: PHASE_NAMES[p], color: PHASE_COLORS[p], values: s.latency[p][state.pctl], dash: p === "request" ? "5 3" : undefined })),
      empty: have.length ? undefined : "this module reports no latency" });
    $("h-phase-lat").textContent = "Percentiles over time: " + (PHASE_NAMES[state.phase] || state.phase);
    const l = s.latency && s.latency[state.phase];
    timeChart($("c-phase-lat"), { t: s.t, ...sp, markers: mk, fmt: secs,
      series: l ? [{ name: "p50", color: "#3c9a5f", values: l.p50 }, { name: "p95", color: "#e0883a", values: l.p95 },
        { name: "p99", color: "#c84b3c", values: l.p99 }] : [] });

    const p = scopeParams(false); p.set("phase", state.phase);
    const h = await get("api/histogram?" + p);
    $("h-hist").textContent = "Distribution: " + (PHASE_NAMES[h.phase] || h.phase) + ", last " + span_(h.window);
    const st = $("hist-stats"); st.replaceChildren();
    const stat = (k, v) => { htmlEl("span", null, k + " ", st); htmlEl("b", null, v, st); st.appendChild(document.createTextNode("   ")); };
    const below = h.below_resolution, under = "< " + secs(h.resolution || 0.001);
    stat("requests", h.count); stat("mean", secs(h.mean)); stat("min", secs(h.min)); stat("max", secs(h.max));
    stat("p50", below ? under : secs(h.p50)); stat("p95", below ? under : secs(h.p95)); stat("p99", below ? under : secs(h.p99));
    if (h.coarse) htmlEl("span", "muted", "(coarse buckets of mod_wsgi 4.x)", st);
    histChart($("c-hist"), h.buckets || [], below ? [{ value: h.resolution || 0.001, label: "every request " + under, color: "#3c9a5f" }] : [
      { value: h.p50, label: "p50 " + secs(h.p50), color: "#3c9a5f" }, { value: h.p95, label: "p95 " + secs(h.p95), color: "#e0883a" },
      { value: h.p99, label: "p99 " + secs(h.p99), color: "#c84b3c" }], secs);

    // Share of time: the group's (or all groups') cumulative phases.
    const groups = state.scope.startsWith("g:") || state.scope.startsWith("p:")
      ? snap.groups.filter(g => g.name === (state.scope.startsWith("g:") ? state.scope.slice(2) : state.scope.replace(/^p:\d+:/, "")))
      : snap.groups;
    const agg = {};
    groups.forEach(g => (g.phases || []).forEach(ph => {
      const a = agg[ph.phase] || (agg[ph.phase] = { count: 0, sum: 0, one: ph, n: 0 });
      a.count += ph.count; a.sum += ph.sum; a.n++;
    }));
    const parts = ["server", "queue", "daemon", "application"].filter(k => agg[k]).map(k => ({
      name: PHASE_NAMES[k], color: PHASE_COLORS[k], value: agg[k].count ? agg[k].sum / agg[k].count : 0,
      label: secs(agg[k].count ? agg[k].sum / agg[k].count : null) + " mean" }));
    if (parts.length) hbar($("c-share"), parts);
    else { $("c-share").replaceChildren(htmlEl("p", "note", "No per-phase split from this module (needs mod_wsgi 6).")); }
    fill("t-phases", PHASES.filter(k => agg[k]).map(k => {
      const a = agg[k], one = a.n === 1 ? a.one : {};
      return row([td(PHASE_NAMES[k], "l"), td(a.count), td(secs(a.count ? a.sum / a.count : null)), td(secs(one.p50)), td(secs(one.p95)), td(secs(one.p99))]);
    }), 6, "No phase data yet.");
  },

  async processes(snap) {
    const sp = span();
    const [bars, events] = await Promise.all([get("api/timeline?window=" + state.window), get("api/events")]);
    const mk = markers().concat(events.filter(e => e.kind === "restarted" || e.kind === "lost")
      .map(e => ({ t: e.t, label: `${e.kind} · ${e.group} pid ${e.pid}${e.reason ? " (" + e.reason + ")" : ""}` })));
    timelineChart($("c-timeline"), bars, sp.t0, sp.t1, mk);
    fill("t-procs", snap.processes.map(p => row([
      td(p.group, "l"), td(none(p.slot) ? "" : p.slot), td(p.pid),
      td(p.state + (p.stop_reason ? " (" + p.stop_reason + ")" : ""), "l state-" + p.state),
      td(dur(p.uptime)), td(p.requests), td(num(p.throughput, 1)),
      td(p.latency && p.latency.count > 0 && none(p.latency.p95) ? under() : secs(p.latency && p.latency.p95)),
      td(pct(p.capacity, 0)), td(p.in_flight), td(num(p.cpu, 2)), td(bytes(p.rss)), td(p.mod_wsgi_version || "", "l muted"),
    ])), 13, "No process has reported yet.");
    fill("t-events", events.slice(0, 200).map(e => row([
      td(when(e.t), "l"), td(e.kind, "l state-" + ({ started: "running", restarted: "running", stopping: "stopping", lost: "lost" }[e.kind] || "stopped")),
      td(e.group, "l"), td(none(e.slot) ? "" : e.slot), td(e.pid), td(e.reason || "", "l"),
      ...(e.kind === "started" || e.kind === "restarted" ? [td("–"), td("–")] : [td(dur(e.uptime)), td(none(e.requests) ? "–" : e.requests)]), td(none(e.in_flight) ? "–" : e.in_flight), td(e.replaces || ""),
    ])), 10, "No lifecycle event yet.");
  },

  async slow(snap) {
    const f = state.slow, p = new URLSearchParams();
    if (f.state) p.set("state", f.state);
    if (f.path) p.set("path", f.path);
    if (f.min !== "" && !isNaN(+f.min)) p.set("min_duration", +f.min);
    p.set("sort", f.sort); p.set("order", f.order);
    let list = await get("api/slow-requests?" + p);
    // The same filter and order here, with active requests first.
    list = list.filter(r => (!f.state || r.state === f.state) && (!f.path || (r.path || "").includes(f.path)) &&
      (f.min === "" || isNaN(+f.min) || r.duration >= +f.min));
    const val = r => f.sort === "start" ? tsec(r.start) : r[f.sort];
    const sign = f.order === "asc" ? 1 : -1;
    list.sort((a, b) => ((b.state === "active") - (a.state === "active")) ||
      (val(a) < val(b) ? -sign : val(a) > val(b) ? sign : 0));
    document.querySelectorAll("#t-slow th[data-sort]").forEach(th => {
      th.classList.toggle("sorted", th.dataset.sort === f.sort);
      th.classList.toggle("asc", th.dataset.sort === f.sort && f.order === "asc");
    });
    state.slowList = list;
    $("slow-count").textContent = list.length + " request" + (list.length === 1 ? "" : "s") + " (active first)";
    fill("t-slow", list.map(r => {
      const tr = row([td(r.state, "l slow-" + r.state), td(secs(r.duration)), td(when(r.start), "l"), td(r.method || "", "l"),
        td(r.path || "", "path"), td(r.status || "–"), td(r.pid), td(r.group || "", "l")], r.id === f.id ? "sel" : "");
      tr.dataset.id = slowID(r);
      tr.title = r.path || "";
      return tr;
    }), 8, "No slow requests" + (f.state || f.path || f.min ? " match." : " (set --slow-requests to a threshold to see them)."));
    if (f.id) await drill(f.id);
  },

  async gc(snap) {
    const c = caps();
    const miss = $("gc-missing"), body = $("gc-body");
    const g = c.gc === false ? { available: false, why: missingWhy("GC") } : await get("api/gc?" + scopeParams(false));
    if (!g.available || c.gc === false) {
      miss.hidden = false; body.hidden = true;
      miss.replaceChildren(htmlEl("b", null, "GC: " + (g.why || missingWhy("GC") || "this module does not report garbage collection; it needs mod_wsgi 6.")),
        htmlEl("p", "note", "With mod_wsgi 6 this view shows the share of time spent in collections, collections per second for each generation, every pause on a timeline and the pauses' distribution."));
      return;
    }
    miss.hidden = true; body.hidden = false;
    const sp = span(), mk = markers();
    const k = $("gc-kpis"); k.replaceChildren();
    const kpi = (v, l) => { const d = htmlEl("div", "kpi", null, k); htmlEl("b", null, v, d); htmlEl("span", null, l, d); };
    kpi(none(g.overhead) ? "–" : pct(g.overhead, 2), "GC overhead");
    ["0", "1", "2"].forEach(gen => kpi(num(g.collections_per_second[gen], 2), "gen " + gen + " collections/s"));
    kpi(secs(g.pause_histogram && g.pause_histogram.max), "longest pause");
    const s = g.series || { t: [], overhead: [], collections: {} };
    timeChart($("c-gc-overhead"), { t: s.t, ...sp, markers: mk, fmt: v => pct(v, v < 0.1 ? 1 : 0),
      series: [{ name: "overhead", color: "#c84b3c", values: s.overhead, area: true }] });
    timeChart($("c-gc-coll"), { t: s.t, ...sp, markers: mk, fmt: v => num(v, v < 10 ? 1 : 0) + "/s",
      series: ["0", "1", "2"].map(gen => ({ name: "gen " + gen, color: GEN_COLORS[gen], values: (s.collections || {})[gen] || [] })) });
    const pauses = (g.pauses || []).slice().sort((a, b) => a.t - b.t);
    timeChart($("c-gc-pauses"), { t: pauses.map(x => x.t), ...sp, markers: mk, fmt: secs,
      series: ["0", "1", "2"].map(gen => ({ name: "gen " + gen, color: GEN_COLORS[gen], dots: true,
        values: pauses.map(x => String(x.generation) === gen ? x.duration : null) })), empty: "no GC pause in this window" });
    // The ingester keeps the newest pauses only (2000): say from when.
    const pn = $("gc-pauses-note");
    pn.textContent = pauses.length && pauses[0].t > sp.t0 + (s.step || 1) * 2 && pauses.length >= 1000
      ? "The newest " + pauses.length + " pauses, since " + when(pauses[0].t) + " (the ingester keeps the last 2000)." : "";
    const ph = g.pause_histogram || { buckets: [] };
    const st = $("gc-hist-stats"); st.replaceChildren();
    [["pauses", pauses.length], ["p50", secs(ph.p50)], ["p95", secs(ph.p95)], ["p99", secs(ph.p99)], ["max", secs(ph.max)]].forEach(([a, b]) => {
      htmlEl("span", null, a + " ", st); htmlEl("b", null, b, st); st.appendChild(document.createTextNode("   "));
    });
    histChart($("c-gc-hist"), ph.buckets || [], [
      { value: ph.p50, label: "p50", color: "#3c9a5f" }, { value: ph.p95, label: "p95", color: "#e0883a" },
      { value: ph.p99, label: "p99", color: "#c84b3c" }], secs);
  },

  async gil(snap) {
    const c = caps(), miss = $("gil-missing"), body = $("gil-body");
    const groups = c.gil === false ? [] : await get("api/gil?window=" + state.window);
    const why = missingWhy("GIL");
    if (c.gil === false || (!groups.length && why)) {
      miss.hidden = false; body.hidden = true; body.replaceChildren();
      miss.replaceChildren(htmlEl("b", null, "GIL: " + (why || "this module does not report GIL waits; it needs mod_wsgi 6.")),
        htmlEl("p", "note", "With mod_wsgi 6 this view shows, for each group, how often a waiting thread gets the GIL at the first hand-off, and for each process a heat map of its threads' busy time, each with a verdict."));
      return;
    }
    miss.hidden = true; body.hidden = false;
    const sp = span();
    const want = state.scope.startsWith("g:") ? state.scope.slice(2) : state.scope.startsWith("p:") ? state.scope.replace(/^p:\d+:/, "") : "";
    const shown = groups.filter(g => !want || g.group === want);
    body.replaceChildren();
    if (!shown.length) { body.appendChild(htmlEl("div", "card missing", "No GIL data in this window yet.")); return; }
    shown.forEach(g => {
      const card = htmlEl("div", "card gil-group", null, body);
      if (g.available === false) {
        htmlEl("h2", null, "Group " + g.group, card);
        htmlEl("div", "verdict warn", g.why || "no GIL data from this group's module; it needs mod_wsgi 6", card);
        return;
      }
      htmlEl("h2", null, "Group " + g.group + " · switch interval " + secs(g.switch_interval), card);
      htmlEl("div", "verdict " + verdictClass(g.handoff), g.verdict, card);
      htmlEl("div", "stats", "First hand-off: " + (none(g.handoff) ? "too few waits to tell" : pct(g.handoff, 0) + " of waiting threads got the GIL at once"), card);
      const bands = g.bands || [];
      const total = bands.reduce((a, b) => a + b, 0);
      const labels = ["at once", "1 switch interval", "2 intervals", "3 intervals", "4 or more"];
      const colors = ["#3c9a5f", "#9bc46a", "#e3a43c", "#e0883a", "#c84b3c"];
      const bar = htmlEl("div", "plot", null, card);
      if (total) hbar(bar, bands.map((v, i) => ({ name: labels[i], value: v, color: colors[i], label: pct(v / total, 0) })), total);
      else htmlEl("p", "note", "No GIL wait recorded in this window.", bar);
      // Contention over time: the group's series, or /api/series' for one group.
      const cs = g.series && g.series.t ? g.series
        : shown.length === 1 && state.series && state.series.gil ? { t: state.series.t, contention: state.series.gil.contention } : null;
      if (cs) {
        htmlEl("h3", "sub", "Requests that waited a switch interval or more for the GIL", card);
        timeChart(htmlEl("div", "plot", null, card), { t: cs.t, ...sp, markers: markers(), fmt: v => pct(v, 0), yMax: 0.1, height: 150,
          series: [{ name: "waited", color: "#c84b3c", values: cs.contention, area: true }] });
      }
      if ((g.processes || []).length) htmlEl("p", "note", "Per-thread capacity: each cell is the share of a step a thread was busy, pale when idle, amber half busy, red saturated.", card);
      // Live processes, then at most 4 that stopped in the window.
      const procs = g.processes || [];
      const live = procs.filter(p => !p.state || p.state === "running" || p.state === "stopping");
      const gone = procs.filter(p => !live.includes(p));
      const showGone = gone.slice(-4);
      if (gone.length > showGone.length) htmlEl("p", "note", (gone.length - showGone.length) + " more processes stopped in this window are not drawn.", card);
      live.concat(showGone).forEach(p => {
        const box = htmlEl("div", "proc-heat", null, card);
        htmlEl("h3", null, "pid " + p.pid + (none(p.slot) ? "" : " (#" + p.slot + ")") + (p.state && p.state !== "running" ? ", " + p.state : "") + ": " + p.verdict, box);
        heatMap(htmlEl("div", "plot", null, box), p.t || [], p.threads || [], sp.t0, sp.t1, i => "thread " + i, markers());
      });
    });
  },
};

function verdictClass(h) { return none(h) ? "" : h >= 0.7 ? "ok" : h >= 0.4 ? "warn" : "bad"; }
function slowID(r) { return r.id || `${r.pid}-${r.thread}-${tsec(r.start)}`; }

// drill shows one slow request: GET api/slow-requests/{id}, or the row
// of the list when the ingester does not serve one by id.
async function drill(id) {
  const box = $("drill");
  let r = null;
  if (!state.noDetail) {
    try { r = await get("api/slow-requests/" + encodeURIComponent(id)); }
    catch (e) {
      if (e.status !== 404) throw e;
      if (/no such endpoint/.test(e.message)) state.noDetail = true;
    }
  }
  if (!r) r = (state.slowList || []).find(x => slowID(x) === id);
  if (!r) {
    box.hidden = false; box.dataset.id = "";
    $("drill-title").textContent = "That request is no longer kept.";
    $("c-drill").replaceChildren(); $("drill-fields").replaceChildren();
    state.slow.id = "";
    return;
  }
  box.hidden = false;
  box.dataset.id = slowID(r);
  $("drill-title").textContent = (r.method || "") + " " + (r.path || "") + " · " + r.state + " · " + secs(r.duration);
  // mod_wsgi 4.x's reporter sends none of the detail (the API gives 0).
  const four = caps().source === "reporter";
  const ph = r.phases || {};
  const app = ph.application || 0, sub = (ph.gil_wait || 0) + (ph.input_read || 0) + (ph.output_write || 0);
  const parts = [
    ["server", ph.server], ["queue", ph.queue], ["daemon", ph.daemon],
    ["input read", ph.input_read], ["GIL wait", ph.gil_wait], ["output write", ph.output_write],
    ["application", Math.max(0, app - sub)],
  ].map(([n, v]) => ({ name: n, value: v || 0, label: secs(v || 0),
    color: PHASE_COLORS[{ "input read": "input_read", "GIL wait": "gil_wait", "output write": "output_write" }[n] || n] }));
  const el = $("c-drill");
  if (four) parts.splice(3, 3); // no GIL, input or output split from 4.x
  if (parts.some(p => p.value > 0)) hbar(el, parts, Math.max(r.duration, parts.reduce((a, p) => a + p.value, 0)));
  else el.replaceChildren(htmlEl("p", "note", "No per-phase times for this request" + (caps().source === "reporter" ? " (they need mod_wsgi 6)." : ".")));
  const opt = (v, f) => four ? "– (needs mod_wsgi 6)" : none(v) ? "–" : f(v);
  const fields = [
    ["state", r.state], ["status", r.status || "not yet"], ["started", when(r.start)], ["duration", secs(r.duration)],
    ["URL", (r.scheme ? r.scheme + "://" : "") + (r.host || "") + (r.path || "")], ["protocol", r.protocol || "–"],
    ["GIL wait", opt(ph.gil_wait, v => secs(v) + (none(r.gil_wait_count) ? "" : " in " + r.gil_wait_count + " wait" + (r.gil_wait_count === 1 ? "" : "s")))],
    ["CPU user / sys", opt(r.cpu_user, v => secs(v) + " / " + secs(r.cpu_system))],
    ["bytes in", opt(r.input_bytes, v => bytes(v) + (none(r.input_reads) ? "" : " in " + r.input_reads + " reads"))],
    ["bytes out", opt(r.output_bytes, v => bytes(v) + (none(r.output_writes) ? "" : " in " + r.output_writes + " writes"))],
    ["concurrency", opt(r.active_at_start, v => v + " at start, " + (none(r.active_at_end) ? "–" : r.active_at_end) + " at end")],
    ["process", (r.group || "?") + " · pid " + r.pid + " · thread " + r.thread],
    ["log ID", r.log_id || "–"], ["peer", r.peer_ip || "–"],
    ["user agent", r.user_agent || "not captured (--telemetry-options +CaptureUserAgent)"],
  ];
  $("drill-fields").replaceChildren(...fields.flatMap(([k, v]) => [htmlEl("dt", null, k), htmlEl("dd", null, String(v))]));
  document.querySelectorAll("#t-slow tbody tr").forEach(tr => tr.classList.toggle("sel", tr.dataset.id === id));
}

// ---- controls ----
function readHash() {
  const parts = location.hash.replace(/^#/, "").split("&");
  if (VIEWS[parts[0]]) state.view = parts[0];
  parts.slice(1).forEach(p => {
    const [k, v] = p.split("=");
    if (k === "w" && [60, 300, 900].includes(+v)) state.window = +v;
  });
}
function writeHash() { history.replaceState(null, "", "#" + state.view + (state.window === 300 ? "" : "&w=" + state.window)); }
function showView() {
  document.querySelectorAll(".view").forEach(v => { v.hidden = v.id !== "view-" + state.view; });
  document.querySelectorAll("#tabs a").forEach(a => {
    a.classList.toggle("on", a.dataset.view === state.view);
    a.href = "#" + a.dataset.view + (state.window === 300 ? "" : "&w=" + state.window);
  });
  document.querySelectorAll("#windows button").forEach(b => b.classList.toggle("on", +b.dataset.window === state.window));
  document.body.dataset.view = state.view;
  document.body.dataset.window = state.window;
}

function init() {
  readHash();
  showView();
  window.addEventListener("hashchange", () => { readHash(); showView(); refresh(); });
  $("windows").addEventListener("click", e => {
    const w = +e.target.dataset.window;
    if (!w) return;
    state.window = w; writeHash(); showView(); refresh();
  });
  $("scope").addEventListener("change", e => { state.scope = e.target.value; refresh(); });
  $("phase").addEventListener("change", e => { state.phase = e.target.value; refresh(); });
  $("pctl").addEventListener("change", e => { state.pctl = e.target.value; refresh(); });
  $("f-state").addEventListener("change", e => { state.slow.state = e.target.value; refresh(); });
  let typing = 0;
  const later = () => { clearTimeout(typing); typing = setTimeout(refresh, 300); };
  $("f-path").addEventListener("input", e => { state.slow.path = e.target.value; later(); });
  $("f-min").addEventListener("input", e => { state.slow.min = e.target.value; later(); });
  document.querySelectorAll("#t-slow th[data-sort]").forEach(th => th.addEventListener("click", () => {
    const f = state.slow;
    if (f.sort === th.dataset.sort) f.order = f.order === "asc" ? "desc" : "asc";
    else { f.sort = th.dataset.sort; f.order = ["path", "method", "group", "state"].includes(f.sort) ? "asc" : "desc"; }
    refresh();
  }));
  $("t-slow").addEventListener("click", e => {
    const tr = e.target.closest("tr");
    if (!tr || !tr.dataset.id) return;
    state.slow.id = tr.dataset.id;
    drill(tr.dataset.id).catch(err => { $("apierr").hidden = false; $("apierr").textContent = err.message; });
  });
  let resize = 0;
  window.addEventListener("resize", () => { clearTimeout(resize); resize = setTimeout(refresh, 200); });
  refresh();
}

init();
