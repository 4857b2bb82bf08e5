package telemetry

import (
	"fmt"
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

// RenderTop renders snap as one terminal screen of at most width columns
// and height rows, for `mod_wsgi-express top`: cursor home, every line
// cleared to its end and ended with CR LF (right in raw mode too), and the
// rest of the screen cleared. snap can be decoded from GET /api/snapshot.
func RenderTop(snap *Snapshot, width, height int) string {
	if width < 40 {
		width = 40
	}
	if height < 5 {
		height = 5
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	t := snap.Totals
	var dropped uint64
	for _, n := range snap.Ingest.Dropped {
		dropped += n
	}
	add("mod_wsgi-express top  %s  window %s  (q quits)", snap.Time.Local().Format("15:04:05"), topDuration(snap.WindowSeconds))
	add("req/s %-8s  %s %s/%s/%s  busy %s/%d  processes %d  requests %d  dropped %d",
		fmt.Sprintf("%.1f", t.Throughput), t.Latency.Phase+" p50/p95/p99",
		topSecs(t.Latency.P50), topSecs(t.Latency.P95), topSecs(t.Latency.P99),
		fmt.Sprintf("%.1f", t.Busy), t.Workers, t.Processes, t.Requests, dropped)
	if snap.Ingest.Last == nil {
		add("waiting for the first telemetry datagram...")
	}
	add("")

	const procHead = "%-16s %7s %-8s %8s %8s %8s %8s %8s %9s %4s %8s"
	add(procHead, "GROUP", "PID", "STATE", "UPTIME", "REQ/S", "P50", "P95", "P99", "BUSY/MAX", "CPU", "RSS")
	slowRows := min(len(snap.SlowRequests), 5)
	room := height - len(lines)
	if slowRows > 0 {
		room -= slowRows + 2
	}
	procs := snap.Processes
	more := 0
	if room < 1 {
		room = 1
	}
	if len(procs) > room {
		more = len(procs) - (room - 1)
		procs = procs[:room-1]
	}
	for _, p := range procs {
		add(procHead, topField(p.Group, 16), fmt.Sprint(p.PID), p.State, topDuration(p.Uptime),
			fmt.Sprintf("%.1f", p.Throughput), topSecs(p.Latency.P50), topSecs(p.Latency.P95), topSecs(p.Latency.P99),
			fmt.Sprintf("%.1f/%d", p.Busy, p.Workers), fmt.Sprintf("%.0f%%", p.CPU*100), topBytes(p.RSS))
	}
	if more > 0 {
		add("... %d more processes", more)
	}
	if len(snap.Processes) == 0 {
		add("(no process has reported yet)")
	}
	if slowRows > 0 {
		add("")
		add("%-9s %8s %-16s %7s %-6s %6s %s", "SLOW", "DURATION", "GROUP", "PID", "METHOD", "STATUS", "PATH")
		for _, r := range snap.SlowRequests[:slowRows] {
			status := "-"
			if r.Status != 0 {
				status = fmt.Sprint(r.Status)
			}
			add("%-9s %8s %-16s %7d %-6s %6s %s", r.State, topSecs(&r.Duration), topField(r.Group, 16),
				r.PID, topField(r.Method, 6), status, r.Path)
		}
	}

	var b strings.Builder
	b.WriteString(ansiHome)
	for i, l := range lines {
		if i >= height {
			break
		}
		b.WriteString(topField(l, width))
		b.WriteString(ansiClearLine)
		if i < height-1 && i < len(lines)-1 {
			b.WriteString("\r\n")
		}
	}
	b.WriteString(ansiClearBelow)
	return b.String()
}

// topField cuts s to at most n columns (runes), marking a cut with "~".
func topField(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
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
