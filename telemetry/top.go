package telemetry

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Terminal control sequences used by RenderTop.
const (
	ansiHome        = "\x1b[H"
	ansiClearLine   = "\x1b[K" // to the end of the line
	ansiClearBelow  = "\x1b[J" // to the end of the screen
	ansiClearScreen = "\x1b[2J"
)

// ClearScreen clears the terminal and homes the cursor: write it once when
// the view starts; RenderTop then redraws in place without flicker.
const ClearScreen = ansiClearScreen + ansiHome

// top's views, in the order of their number keys.
const (
	ViewProcesses = "processes"
	ViewLatency   = "latency"
	ViewSlow      = "slow"
	ViewEvents    = "events"
	ViewThreads   = "threads"
)

// TopViews are top's views, in key order (1, 2, 3, 4, 5).
var TopViews = []string{ViewProcesses, ViewLatency, ViewSlow, ViewEvents, ViewThreads}

// TopSortKeys are the orders of the processes view: the first the
// default. All but pid put the largest first.
var TopSortKeys = []string{"cpu", "rss", "requests", "busy", "pid"}

// TopState is what the viewer chose: the view, the processes' order, a
// process group ("" for all), and whether the help is shown.
type TopState struct {
	View   string
	Sort   string
	Group  string
	Help   bool
	Paused bool
	// Keys shows the key line at the bottom and the view tabs (the live
	// view); without it the screen is plain text for scripts.
	Keys bool
}

// TopData is what top shows, read by Client.Top (or built from a Store's
// Snapshot in tests).
type TopData struct {
	URL      string
	Snapshot *Snapshot

	PhasesFetched bool
	Phases        []HistogramView // each reported phase over the window
	PhasesErr     error

	EventsFetched bool
	Events        []Event // newest first
	EventsErr     error
}

// RenderTop renders snap's processes view as one terminal screen of at
// most width columns and height rows (RenderTopView with the defaults).
func RenderTop(snap *Snapshot, width, height int) string {
	return RenderTopView(&TopData{Snapshot: snap}, TopState{Keys: true}, width, height)
}

// RenderTopView renders d as st asks, as one terminal screen of at most
// width columns and height rows: cursor home, every line cleared to its
// end and ended with CR LF (right in raw mode too), and the rest of the
// screen cleared.
func RenderTopView(d *TopData, st TopState, width, height int) string {
	width, height = max(width, 40), max(height, 5)
	lines := topScreen(d, st, width, height)
	var b strings.Builder
	b.WriteString(ansiHome)
	for i, l := range lines {
		b.WriteString(l)
		b.WriteString(ansiClearLine)
		if i < len(lines)-1 {
			b.WriteString("\r\n")
		}
	}
	b.WriteString(ansiClearBelow)
	return b.String()
}

// RenderTopText renders d as st asks as plain text, every row of the view
// (no height limit) and lines cut at width columns (0: not cut), for top
// --once.
func RenderTopText(d *TopData, st TopState, width int) string {
	st.Keys, st.Help = false, false
	return strings.Join(topScreen(d, st, width, 0), "\n") + "\n"
}

// topScreen is the screen's lines, each safe to print and at most width
// columns (0: any), at most height of them (0: any).
func topScreen(d *TopData, st TopState, width, height int) []string {
	if st.View == "" {
		st.View = ViewProcesses
	}
	if st.Sort == "" {
		st.Sort = TopSortKeys[0]
	}
	snap := d.Snapshot
	if snap == nil {
		snap = &Snapshot{}
	}
	head := topHeader(d, snap, st, height == 0)
	var foot []string
	if st.Keys {
		foot = []string{"1-5 view  < > sort  g group  space pause  ? help  q quit"}
	}
	room := 0 // rows left for the view: 0 is no limit
	if height > 0 {
		room = max(height-len(head)-len(foot), 1)
	}
	body := topBody(d, snap, st, room)
	if height > 0 && len(body) < room {
		body = append(body, make([]string, room-len(body))...)
	}
	lines := append(append(head, body...), foot...)
	if height > 0 && len(lines) > height {
		lines = append(lines[:height-len(foot)], foot...)
	}
	if st.Help {
		lines = overlay(lines, topHelp(snap, width), width)
		if height > 0 && len(lines) > height {
			// A help taller than the terminal is cut; the key line
			// stays.
			lines = append(lines[:height-len(foot)], foot...)
		}
	}
	for i, l := range lines {
		l = cleanText(l, 1<<16)
		if width > 0 {
			l = topField(l, width)
		}
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

// topHeader is the summary above every view: the group's (or every
// group's) rates, latency and workers, what the module cannot report, and
// the view's tabs or title.
func topHeader(d *TopData, snap *Snapshot, st TopState, full bool) []string {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	group := "all"
	if st.Group != "" {
		group = st.Group
	}
	title := fmt.Sprintf("mod_wsgi-express top  %s  window %s  group %s", snap.Time.Local().Format("15:04:05"),
		topDuration(snap.WindowSeconds), group)
	if st.Paused {
		title += "  PAUSED"
	}
	add("%s", title)

	// The group's figures, or the totals.
	t := snap.Totals
	procs, requests, thr, busy, workers, lat := t.Processes, t.Requests, t.Throughput, t.Busy, t.Workers, t.Latency
	current, inFlight := t.CurrentThroughput, t.InFlight
	var slow uint64
	for _, g := range snap.Groups {
		if st.Group == "" || g.Name == st.Group {
			slow += g.SlowRequests
		}
	}
	if st.Group != "" {
		procs, requests, thr, busy, workers, lat, current, inFlight = 0, 0, 0, 0, 0, Latency{Phase: "request"}, 0, 0
		for _, g := range snap.Groups {
			if g.Name == st.Group {
				procs, requests, thr, busy, workers, lat = g.Processes, g.RequestsTotal, g.Throughput, g.Busy, g.Workers, g.Latency
				current, inFlight = g.CurrentThroughput, g.InFlight
			}
		}
	}
	// The newest interval's rate beside the window's: a load that began
	// seconds ago shows at once.
	rate := fmt.Sprintf("req/s %.1f now, %.1f over %s", current, thr, topDuration(snap.WindowSeconds))
	var dropped uint64
	for _, n := range snap.Ingest.Dropped {
		dropped += n
	}
	flight := ""
	if snap.Capabilities.InFlight {
		flight = fmt.Sprintf("  in flight %d", inFlight)
	}
	add("%s  %s p50/p95/p99 %s/%s/%s  busy %s/%d%s", rate, lat.Phase,
		topSecs(lat.P50), topSecs(lat.P95), topSecs(lat.P99), fmt.Sprintf("%.1f", busy), workers, flight)
	add("processes %d  requests %d  slow %d  dropped %d", procs, requests, slow, dropped)

	if c := &snap.Capabilities; len(c.Missing) > 0 {
		module := "this mod_wsgi"
		if c.Module != "" {
			module = "mod_wsgi " + c.Module
		}
		if full {
			add("%s does not report, and needs mod_wsgi 6 for:", module)
			for _, m := range c.Missing {
				add("  %s: %s", m.What, m.Why)
			}
		} else {
			var what []string
			for _, m := range c.Missing {
				what = append(what, m.What)
			}
			add("%s here; needs mod_wsgi 6 (? says why): %s", module, strings.Join(what, ", "))
		}
	}
	if snap.Ingest.Last == nil {
		add("waiting for the first telemetry datagram...")
	}
	if st.Keys {
		var tabs []string
		for i, v := range TopViews {
			tab := fmt.Sprintf("%d %s", i+1, topViewTitle(v))
			if v == st.View {
				tab = "[" + tab + "]"
			} else {
				tab = " " + tab + " "
			}
			tabs = append(tabs, tab)
		}
		add("%s", strings.Join(tabs, " "))
	} else {
		add("")
	}
	return lines
}

func topViewTitle(v string) string {
	if v == ViewSlow {
		return "slow requests"
	}
	return v
}

// topBody is the view's lines, at most room of them (0: any).
func topBody(d *TopData, snap *Snapshot, st TopState, room int) []string {
	switch st.View {
	case ViewLatency:
		return topLatency(d, snap, st, room)
	case ViewSlow:
		return topSlow(snap, st, room)
	case ViewEvents:
		return topEvents(d, snap, st, room)
	case ViewThreads:
		return topThreads(snap, st, room)
	}
	return topProcesses(snap, st, room)
}

// fit cuts rows (after the head lines) to room lines in all, saying how
// many were left out.
func fit(head, rows []string, room int, what string) []string {
	if room > 0 && len(head)+len(rows) > room {
		keep := max(room-len(head)-1, 0)
		more := len(rows) - keep
		rows = append(rows[:keep:keep], fmt.Sprintf("... %d more %s", more, what))
	}
	out := append(head, rows...)
	if room > 0 && len(out) > room {
		out = out[:room]
	}
	return out
}

const procHead = "%-16s %7s %-8s %7s %8s %7s %7s %7s %9s %4s %7s"

func topProcesses(snap *Snapshot, st TopState, room int) []string {
	var procs []ProcessView
	live := 0
	for _, p := range snap.Processes {
		if st.Group == "" || p.Group == st.Group {
			procs = append(procs, p)
			if p.State == "running" || p.State == "stopping" {
				live++
			}
		}
	}
	sortProcesses(procs, st.Sort)
	head := []string{
		fmt.Sprintf("processes by %s: %d live, %d stopped", st.Sort, live, len(procs)-live),
		fmt.Sprintf(procHead, "GROUP", "PID", "STATE", "UPTIME", "REQUESTS", "REQ/S", "P95", "P99", "BUSY/MAX", "CPU", "RSS"),
	}
	var rows []string
	for _, p := range procs {
		rows = append(rows, fmt.Sprintf(procHead, topField(p.Group, 16), fmt.Sprint(p.PID), p.State, topDuration(p.Uptime),
			fmt.Sprint(p.Requests), fmt.Sprintf("%.1f", p.Throughput), topSecs(p.Latency.P95), topSecs(p.Latency.P99),
			fmt.Sprintf("%.1f/%d", p.Busy, p.Workers), fmt.Sprintf("%.0f%%", p.CPU*100), topBytes(p.RSS)))
	}
	if len(procs) == 0 {
		rows = append(rows, "(no process has reported yet)")
	}
	return fit(head, rows, room, "processes")
}

// sortProcesses orders live processes (running, stopping) before the
// others, and each part by key: the largest first, pid the smallest.
func sortProcesses(procs []ProcessView, key string) {
	val := func(p *ProcessView) float64 {
		switch key {
		case "rss":
			return float64(p.RSS)
		case "requests":
			return float64(p.Requests)
		case "busy":
			return p.Busy
		case "pid":
			return -float64(p.PID)
		}
		return p.CPU
	}
	isLive := func(p *ProcessView) bool { return p.State == "running" || p.State == "stopping" }
	sort.SliceStable(procs, func(i, j int) bool {
		a, b := &procs[i], &procs[j]
		if isLive(a) != isLive(b) {
			return isLive(a)
		}
		if va, vb := val(a), val(b); va != vb {
			return va > vb
		}
		return a.PID < b.PID
	})
}

const latHead = "%-16s %-13s %9s %8s %8s %8s %8s %8s"

func topLatency(d *TopData, snap *Snapshot, st TopState, room int) []string {
	var head, rows []string
	window := topDuration(snap.WindowSeconds)
	if d.PhasesErr == nil && d.PhasesFetched {
		head = []string{fmt.Sprintf("latency by phase over the last %s", window),
			fmt.Sprintf(latHead, "GROUP", "PHASE", "COUNT", "MEAN", "P50", "P95", "P99", "MAX")}
		group := "all"
		if st.Group != "" {
			group = st.Group
		}
		for _, h := range d.Phases {
			p50, p95, p99 := topSecs(h.P50), topSecs(h.P95), topSecs(h.P99)
			if h.BelowResolution {
				below := "< " + topSecs(&h.Resolution)
				if h.Resolution <= 0 {
					below = "< 1.0ms"
				}
				p50, p95, p99 = below, below, below
			}
			rows = append(rows, fmt.Sprintf(latHead, topField(group, 16), h.Phase, fmt.Sprint(h.Count), topSecs(h.Mean), p50, p95, p99, topSecs(h.Max)))
		}
	} else {
		// No window distributions: the groups' cumulative ones.
		why := unread(d.PhasesErr, "GET /api/histogram was not read", "this ingester has no GET /api/histogram")
		head = []string{fmt.Sprintf("latency by phase since the ingester started (%s)", why),
			fmt.Sprintf(latHead, "GROUP", "PHASE", "COUNT", "MEAN", "P50", "P95", "P99", "")}
		for _, g := range snap.Groups {
			if st.Group != "" && g.Name != st.Group {
				continue
			}
			for _, ph := range g.Phases {
				rows = append(rows, fmt.Sprintf(latHead, topField(g.Name, 16), ph.Phase, fmt.Sprint(ph.Count),
					topSecs(ph.Mean), topSecs(ph.P50), topSecs(ph.P95), topSecs(ph.P99), ""))
			}
		}
	}
	if len(rows) == 0 {
		rows = append(rows, "(no request has been timed yet)")
	}
	return fit(head, rows, room, "phases")
}

const slowHead = "%-9s %8s %8s %-16s %7s %-6s %6s %s"

func topSlow(snap *Snapshot, st TopState, room int) []string {
	head := []string{"slow requests, active first, newest first",
		fmt.Sprintf(slowHead, "STATE", "START", "DURATION", "GROUP", "PID", "METHOD", "STATUS", "PATH")}
	var rows []string
	for _, r := range snap.SlowRequests {
		if st.Group != "" && r.Group != st.Group {
			continue
		}
		status := "-"
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		d := r.Duration
		rows = append(rows, fmt.Sprintf(slowHead, r.State, r.Start.Local().Format("15:04:05"), topSecs(&d),
			topField(r.Group, 16), fmt.Sprint(r.PID), topField(r.Method, 6), status, r.Path))
	}
	if len(rows) == 0 {
		rows = append(rows, "(no slow request)")
	}
	return fit(head, rows, room, "slow requests")
}

const eventHead = "%-8s %-9s %-16s %4s %7s %-16s %8s %9s %9s"

func topEvents(d *TopData, snap *Snapshot, st TopState, room int) []string {
	var head, rows []string
	if d.EventsErr == nil && d.EventsFetched {
		head = []string{"process lifecycle events, newest first",
			fmt.Sprintf(eventHead, "TIME", "EVENT", "GROUP", "SLOT", "PID", "REASON", "UPTIME", "REQUESTS", "IN FLIGHT")}
		for _, e := range d.Events {
			if st.Group != "" && e.Group != st.Group {
				continue
			}
			sec, frac := math.Modf(e.T)
			at := time.Unix(int64(sec), int64(frac*1e9)).Local().Format("15:04:05")
			uptime, reqs, flight := "", "", ""
			if e.Uptime != nil {
				uptime = topDuration(*e.Uptime)
			}
			if e.Requests != nil {
				reqs = fmt.Sprint(*e.Requests)
			}
			if e.InFlight != nil {
				flight = fmt.Sprint(*e.InFlight)
			}
			rows = append(rows, fmt.Sprintf(eventHead, at, topField(e.Kind, 9), topField(e.Group, 16), fmt.Sprint(e.Slot),
				fmt.Sprint(e.PID), topField(e.Reason, 16), uptime, reqs, flight))
		}
		if len(rows) == 0 {
			rows = append(rows, "(no event yet)")
		}
		return fit(head, rows, room, "events")
	}
	// No event log: what the snapshot's processes say of their starts and
	// stops.
	why := unread(d.EventsErr, "GET /api/events was not read", "this ingester keeps no event log")
	head = []string{fmt.Sprintf("process starts and stops from the processes listed (%s)", why),
		fmt.Sprintf(eventHead, "TIME", "EVENT", "GROUP", "SLOT", "PID", "REASON", "UPTIME", "REQUESTS", "")}
	type row struct {
		at   time.Time
		line string
	}
	var rs []row
	for _, p := range snap.Processes {
		if st.Group != "" && p.Group != st.Group {
			continue
		}
		if p.State != "running" {
			rs = append(rs, row{p.LastSeen, fmt.Sprintf(eventHead, p.LastSeen.Local().Format("15:04:05"), p.State,
				topField(p.Group, 16), "", fmt.Sprint(p.PID), topField(p.StopReason, 16), topDuration(p.Uptime), fmt.Sprint(p.Requests), "")})
		}
		rs = append(rs, row{p.Started, fmt.Sprintf(eventHead, p.Started.Local().Format("15:04:05"), "started",
			topField(p.Group, 16), "", fmt.Sprint(p.PID), "", "", "", "")})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].at.After(rs[j].at) })
	for _, r := range rs {
		rows = append(rows, r.line)
	}
	if len(rows) == 0 {
		rows = append(rows, "(no process has reported yet)")
	}
	return fit(head, rows, room, "events")
}

const threadHead = "%-16s %7s %7s %5s %5s %5s %8s %8s"

// topThreads lists the threads of each live process over its last
// interval, by group and pid, then thread, each process's under a line
// with its verdict (the snapshot's thread_verdict: GET /api/gil's rule);
// above them, each group's GIL contention where its module measures it.
func topThreads(snap *Snapshot, st TopState, room int) []string {
	if c := &snap.Capabilities; c.Module != "" && !c.Threads {
		line := "threads: mod_wsgi " + c.Module + " does not report per-thread measures; they need mod_wsgi 6"
		for _, m := range c.Missing {
			if m.What == "threads" {
				line = "threads: " + m.Why
			}
		}
		return fit([]string{line}, nil, room, "")
	}
	var procs []ProcessView
	for _, p := range snap.Processes {
		if (st.Group == "" || p.Group == st.Group) && (p.State == "running" || p.State == "stopping") {
			procs = append(procs, p)
		}
	}
	sort.SliceStable(procs, func(i, j int) bool {
		if procs[i].Group != procs[j].Group {
			return procs[i].Group < procs[j].Group
		}
		return procs[i].PID < procs[j].PID
	})
	head := []string{fmt.Sprintf("threads of %d live processes by group, pid, thread; verdict on the last %d samples", len(procs), verdictSamples)}
	for _, g := range snap.Groups {
		if g.GIL != nil && (st.Group == "" || g.Name == st.Group) {
			head = append(head, fmt.Sprintf("GIL of %s: %s", g.Name, g.GIL.Verdict))
		}
	}
	head = append(head, fmt.Sprintf(threadHead, "GROUP", "PID", "THREAD", "BUSY", "CPU", "REQS", "RUNNING", "LONGEST"))
	pct := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", *v*100)
	}
	secs := func(v *float64) string {
		if v == nil || *v == 0 {
			return "-"
		}
		return topSecs(v)
	}
	var rows []string
	for _, p := range procs {
		group, pid := topField(p.Group, 16), fmt.Sprint(p.PID)
		verdict := p.ThreadVerdict
		switch {
		case len(p.Threads) == 0:
			verdict = "(no per-thread sample yet)"
		case verdict == "":
			verdict = "-"
		}
		rows = append(rows, fmt.Sprintf("%-16s %7s %7s  %s", group, pid, "verdict", verdict))
		for _, th := range p.Threads {
			rows = append(rows, fmt.Sprintf(threadHead, group, pid, fmt.Sprint(th.Index), pct(th.Busy), pct(th.CPU),
				fmt.Sprint(th.Completed), secs(th.Current), secs(th.Longest)))
		}
	}
	if len(procs) == 0 {
		rows = append(rows, "(no live process has reported yet)")
	}
	return fit(head, rows, room, "rows")
}

// unread says why an endpoint's data is missing: err, or notRead without
// an error, or missing when the ingester lacks the endpoint.
func unread(err error, notRead, missing string) string {
	switch {
	case err == nil:
		return notRead
	case errors.Is(err, errNoEndpoint):
		return missing
	}
	return err.Error()
}

// topHelp is the help box's text.
func topHelp(snap *Snapshot, width int) []string {
	lines := []string{
		"mod_wsgi-express top: keys",
		"",
		"1 p      processes         < > o   next sort of the processes:",
		"2 l      latency by phase          cpu, rss, requests, busy, pid",
		"3 s      slow requests             threads: by group, pid, thread",
		"4 e      events            g f     next process group (all, each)",
		"5 t      threads           space   pause, resume the refresh",
		"Tab      next view         ? h     this help (Esc closes it too)",
		"q Esc    quit              Ctrl-C  quit",
	}
	if c := &snap.Capabilities; len(c.Missing) > 0 {
		lines = append(lines, "", "Needs mod_wsgi 6:")
		for _, m := range c.Missing {
			for _, l := range wrap(m.What+": "+m.Why, max(width-8, 30)) {
				lines = append(lines, "  "+l)
			}
		}
	}
	return lines
}

// wrap breaks s into lines of at most n runes at spaces.
func wrap(s string, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > n {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(out, line)
}

// overlay draws text in a box over lines, centred across width, from the
// second line down (lines are added when the box goes past them).
func overlay(lines, text []string, width int) []string {
	inner := 0
	for _, l := range text {
		inner = max(inner, utf8.RuneCountInString(l))
	}
	inner = min(inner, max(width-4, 10))
	box := []string{"+" + strings.Repeat("-", inner+2) + "+"}
	for _, l := range text {
		l = topField(l, inner)
		box = append(box, "| "+l+strings.Repeat(" ", inner-utf8.RuneCountInString(l))+" |")
	}
	box = append(box, box[0])
	x := max((width-(inner+4))/2, 0)
	for i, b := range box {
		y := 1 + i
		for y >= len(lines) {
			lines = append(lines, "")
		}
		r := []rune(lines[y])
		for len(r) < x {
			r = append(r, ' ')
		}
		rest := []rune{}
		if end := x + utf8.RuneCountInString(b); end < len(r) {
			rest = r[end:]
		}
		lines[y] = string(r[:x]) + b + string(rest)
	}
	return lines
}

// topField cuts s to at most n columns (runes), marking a cut with "~".
func topField(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "~"
}

func topSecs(v *float64) string {
	switch {
	case v == nil:
		return "-"
	case *v < 0.001:
		return fmt.Sprintf("%.0fus", *v*1e6)
	case *v < 1:
		return fmt.Sprintf("%.1fms", *v*1e3)
	}
	return fmt.Sprintf("%.2fs", *v)
}

func topBytes(n uint64) string {
	if n == 0 {
		return "-"
	}
	v := float64(n)
	for _, u := range []string{"B", "K", "M", "G"} {
		if v < 1024 {
			return fmt.Sprintf("%.1f%s", v, u)
		}
		v /= 1024
	}
	return fmt.Sprintf("%.1fT", v)
}

func topDuration(sec float64) string {
	d := time.Duration(sec) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}
