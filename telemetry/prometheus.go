package telemetry

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// MetricsContentType is the Content-Type of the Prometheus text format.
const MetricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteMetrics writes the store in the Prometheus text exposition format
// (version 0.0.4). Counters are per process group and survive process
// restarts; per-process gauges carry a pid label and exist while the
// process runs. See the package documentation for the list.
func (s *Store) WriteMetrics(w io.Writer) error {
	var buf bytes.Buffer
	s.mu.Lock()
	s.expire(s.opt.Now())
	s.writeMetrics(&buf)
	s.mu.Unlock()
	_, err := w.Write(buf.Bytes())
	return err
}

type promWriter struct {
	*bufio.Writer
}

func (p promWriter) family(name, typ, help string) {
	p.WriteString("# HELP ")
	p.WriteString(name)
	p.WriteByte(' ')
	p.WriteString(escapeHelp(help))
	p.WriteString("\n# TYPE ")
	p.WriteString(name)
	p.WriteByte(' ')
	p.WriteString(typ)
	p.WriteByte('\n')
}

// sample writes one line; labels alternate names and values.
func (p promWriter) sample(name string, v float64, labels ...string) {
	p.WriteString(name)
	if len(labels) > 0 {
		p.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				p.WriteByte(',')
			}
			p.WriteString(labels[i])
			p.WriteString(`="`)
			p.WriteString(escapeLabel(labels[i+1]))
			p.WriteByte('"')
		}
		p.WriteByte('}')
	}
	p.WriteByte(' ')
	p.WriteString(formatFloat(v))
	p.WriteByte('\n')
}

func (s *Store) writeMetrics(out *bytes.Buffer) {
	bw := bufio.NewWriter(out)
	p := promWriter{bw}
	defer bw.Flush()

	names := make([]string, 0, len(s.groups))
	for n := range s.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	groups := make([]*group, len(names))
	for i, n := range names {
		groups[i] = s.groups[n]
	}
	p.requestFamilies(groups)
	p.processFamilies(groups, s.liveProcesses())
	p.groupCounters(groups)
	s.extraFamilies(p, groups)
	s.ingestFamilies(p)
}

// requestFamilies are the requests by class and the phase histograms.
func (p promWriter) requestFamilies(groups []*group) {
	p.family("mod_wsgi_requests_total", "counter",
		"Requests completed by mod_wsgi, by process group and response class (class \"unknown\": the module reports no classes).")
	for _, g := range groups {
		for i, c := range StatusClasses {
			p.sample("mod_wsgi_requests_total", float64(g.requests[i]), "process_group", g.name, "class", c)
		}
		if g.noClasses {
			p.sample("mod_wsgi_requests_total", float64(g.requests[5]), "process_group", g.name, "class", "unknown")
		}
	}

	const hist = "mod_wsgi_request_duration_seconds"
	p.family(hist, "histogram",
		"Time requests spent in each phase: server, queue, daemon, application and request (their sum), plus gil_wait, input_read and output_write, which overlap the application phase.")
	for _, g := range groups {
		for ph := Phase(0); ph < NumPhases; ph++ {
			if !g.reported[ph] {
				continue
			}
			h := &g.phases[ph]
			var cum uint64
			i := 0
			for _, cut := range h.cuts() {
				for ; i <= cut; i++ {
					cum += h.Counts[i]
				}
				p.sample(hist+"_bucket", float64(cum), "process_group", g.name, "phase", ph.String(), "le", formatFloat(bucketUpper[cut]))
			}
			p.sample(hist+"_bucket", float64(h.Count), "process_group", g.name, "phase", ph.String(), "le", "+Inf")
			p.sample(hist+"_sum", h.Sum, "process_group", g.name, "phase", ph.String())
			p.sample(hist+"_count", float64(h.Count), "process_group", g.name, "phase", ph.String())
		}
	}

}

// processFamilies are the processes per group and each live process's
// gauges.
func (p promWriter) processFamilies(groups []*group, live []*process) {
	p.family("mod_wsgi_processes", "gauge", "mod_wsgi processes reporting, by process group.")
	for _, g := range groups {
		n := 0
		for _, x := range live {
			if x.key.group == g.name {
				n++
			}
		}
		p.sample("mod_wsgi_processes", float64(n), "process_group", g.name)
	}
	gauges := []struct {
		name, help string
		value      func(*process) float64
	}{
		{"mod_wsgi_process_workers", "Request threads (worker slots) of the process.",
			func(x *process) float64 { return float64(x.workers) }},
		{"mod_wsgi_process_workers_busy", "Mean number of busy request threads over the process's last sampling interval.",
			func(x *process) float64 { return x.busy }},
		{"mod_wsgi_process_resident_memory_bytes", "Resident set size of the process.",
			func(x *process) float64 { return float64(x.rss) }},
	}
	for _, gg := range gauges {
		p.family(gg.name, "gauge", gg.help)
		for _, x := range live {
			p.sample(gg.name, gg.value(x), "process_group", x.key.group, "pid", strconv.FormatUint(uint64(x.key.pid), 10))
		}
	}

}

// groupCounters are the groups' counters: CPU, starts, stops and bytes.
func (p promWriter) groupCounters(groups []*group) {
	counters := []struct {
		name, help string
		value      func(*group) float64
	}{
		{"mod_wsgi_process_cpu_seconds_total", "CPU time (user and system) used by the group's processes.",
			func(g *group) float64 { return g.cpuSeconds }},
		{"mod_wsgi_process_starts_total", "Processes of the group that started.",
			func(g *group) float64 { return float64(g.starts) }},
		{"mod_wsgi_process_restarts_total", "Process starts that replaced a stopped process of the same group.",
			func(g *group) float64 { return float64(g.restarts) }},
		{"mod_wsgi_slow_requests_total", "Completed requests that ran past the slow-request threshold.",
			func(g *group) float64 { return float64(g.slowCompleted) }},
		{"mod_wsgi_request_input_bytes_total", "Request body bytes read by the application (mod_wsgi 6).",
			func(g *group) float64 { return float64(g.inputBytes) }},
		{"mod_wsgi_response_output_bytes_total", "Response bytes written by the application (mod_wsgi 6).",
			func(g *group) float64 { return float64(g.outputBytes) }},
	}
	for _, c := range counters {
		p.family(c.name, "counter", c.help)
		for _, g := range groups {
			p.sample(c.name, c.value(g), "process_group", g.name)
		}
	}

	p.family("mod_wsgi_process_stops_total", "counter",
		"Processes of the group that stopped, by the reason they gave (lost: went silent; unknown: no reason given).")
	for _, g := range groups {
		reasons := make([]string, 0, len(g.stops))
		for r := range g.stops {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			p.sample("mod_wsgi_process_stops_total", float64(g.stops[r]), "process_group", g.name, "reason", r)
		}
	}

}

// ingestFamilies are what the receiver accepted, dropped and missed.
func (s *Store) ingestFamilies(p promWriter) {
	p.family("mod_wsgi_telemetry_datagrams_total", "counter", "Telemetry datagrams accepted, by kind.")
	for k := Kind(1); k <= maxKind; k++ {
		p.sample("mod_wsgi_telemetry_datagrams_total", float64(s.stats.accepted[k]), "kind", k.String())
	}
	p.family("mod_wsgi_telemetry_datagrams_dropped_total", "counter",
		"Telemetry datagrams dropped as malformed or implausible, by reason.")
	for _, r := range Reasons {
		p.sample("mod_wsgi_telemetry_datagrams_dropped_total", float64(s.stats.dropped[r]), "reason", string(r))
	}
	p.family("mod_wsgi_telemetry_datagrams_lost_total", "counter",
		"Telemetry datagrams missing from processes' sequence numbers (sent but never received).")
	p.sample("mod_wsgi_telemetry_datagrams_lost_total", float64(s.stats.lost))
	p.family("mod_wsgi_telemetry_unknown_fields_total", "counter",
		"Records with IDs this ingester does not know, skipped (a newer mod_wsgi).")
	p.sample("mod_wsgi_telemetry_unknown_fields_total", float64(s.stats.unknownFields))
}

// liveProcesses returns running and stopping processes by group and pid.
func (s *Store) liveProcesses() []*process {
	var out []*process
	for _, p := range s.procs {
		if p.state < stateStopped {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key.group != out[j].key.group {
			return out[i].key.group < out[j].key.group
		}
		return out[i].key.pid < out[j].key.pid
	})
	return out
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func escapeHelp(s string) string { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// extraFamilies are restarts by reason, requests in flight, per-slot CPU
// and memory, GC and GIL.
func (s *Store) extraFamilies(p promWriter, groups []*group) {
	p.family("mod_wsgi_process_restarts_by_reason_total", "counter",
		"Process starts that replaced a stopped process of the same group, by the reason that process stopped (crash: it vanished without a word).")
	for _, g := range groups {
		restartBy := s.x.groupLife(g.name).restartBy
		for _, r := range sortedKeys(restartBy) {
			p.sample("mod_wsgi_process_restarts_by_reason_total", float64(restartBy[r]), "process_group", g.name, "reason", r)
		}
	}

	live := s.liveProcesses()
	p.family("mod_wsgi_requests_in_flight", "gauge",
		"Requests running in the group's processes at their last sample (mod_wsgi 6).")
	for _, g := range groups {
		n, known := 0, false
		for _, x := range live {
			if x.key.group == g.name && x.x != nil && x.x.hasSlots {
				n += x.inFlight
				known = true
			}
		}
		if known {
			p.sample("mod_wsgi_requests_in_flight", float64(n), "process_group", g.name)
		}
	}

	p.family("mod_wsgi_slot_cpu_seconds_total", "counter",
		"CPU time used by the processes that held each process slot of the group (a slot is a small index a replacement process takes over from the one it replaces).")
	for _, g := range groups {
		if g.x == nil {
			continue
		}
		slots := make([]int, 0, len(g.x.slotCPU))
		for sl := range g.x.slotCPU {
			slots = append(slots, sl)
		}
		sort.Ints(slots)
		for _, sl := range slots {
			p.sample("mod_wsgi_slot_cpu_seconds_total", g.x.slotCPU[sl], "process_group", g.name, "slot", strconv.Itoa(sl))
		}
	}
	bySlot := func(name, help string, value func(*process) float64) {
		p.family(name, "gauge", help)
		type row struct {
			group string
			slot  int
			v     float64
		}
		// One process per slot: a running one rather than the stopping
		// one it replaces.
		type key struct {
			group string
			slot  int
		}
		held := map[key]*process{}
		for _, x := range live {
			k := key{x.key.group, x.slot}
			if h := held[k]; h == nil || h.state != stateRunning && x.state == stateRunning {
				held[k] = x
			}
		}
		var rows []row
		for k, x := range held {
			rows = append(rows, row{k.group, k.slot, value(x)})
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].group != rows[j].group {
				return rows[i].group < rows[j].group
			}
			return rows[i].slot < rows[j].slot
		})
		for _, r := range rows {
			p.sample(name, r.v, "process_group", r.group, "slot", strconv.Itoa(r.slot))
		}
	}
	bySlot("mod_wsgi_slot_cpu_utilization", "CPU used by the process in the slot over its last sampling interval, in cores.",
		func(x *process) float64 { return x.cpuUtil })
	bySlot("mod_wsgi_slot_resident_memory_bytes", "Resident set size of the process in the slot.",
		func(x *process) float64 { return float64(x.rss) })

	byGeneration := func(name, help string, counts func(x *groupExtra) *[3]uint64) {
		p.family(name, "counter", help)
		for _, g := range groups {
			if g.x == nil || !g.x.gcSeen {
				continue
			}
			for gen, label := range genNames {
				p.sample(name, float64(counts(g.x)[gen]), "process_group", g.name, "generation", label)
			}
		}
	}
	byGeneration("mod_wsgi_gc_collections_total",
		"Python garbage collections by generation, in the group's processes (mod_wsgi 6).",
		func(x *groupExtra) *[3]uint64 { return &x.gcCollections })
	byGeneration("mod_wsgi_gc_uncollectable_objects_total",
		"Objects Python's garbage collector found unreachable but could not free, by generation (mod_wsgi 6).",
		func(x *groupExtra) *[3]uint64 { return &x.gcUncollectable })
	const pause = "mod_wsgi_gc_pause_seconds"
	p.family(pause, "histogram", "Pauses of Python's garbage collector, by generation (mod_wsgi 6).")
	for _, g := range groups {
		if g.x == nil || !g.x.gcSeen {
			continue
		}
		for gen, name := range genNames {
			h := &g.x.gcPauses[gen]
			var cum uint64
			for i, c := range h.counts {
				cum += c
				le := "+Inf"
				if i < numPauseBuckets-1 {
					le = formatFloat(pauseBounds[i])
				}
				p.sample(pause+"_bucket", float64(cum), "process_group", g.name, "generation", name, "le", le)
			}
			p.sample(pause+"_sum", h.sum, "process_group", g.name, "generation", name)
			p.sample(pause+"_count", float64(h.count), "process_group", g.name, "generation", name)
		}
	}
	p.family("mod_wsgi_gc_pause_events_dropped_total", "counter",
		"GC pauses the module measured but could not send (its buffer overflowed); the collection counters still count them.")
	for _, g := range groups {
		if g.x != nil && g.x.gcSeen {
			p.sample("mod_wsgi_gc_pause_events_dropped_total", float64(g.x.gcDropped), "process_group", g.name)
		}
	}

	const gil = "mod_wsgi_gil_wait_seconds"
	p.family(gil, "histogram",
		"Time each request's thread waited to take the GIL back (mod_wsgi 6), at full resolution up to 128 ms so that waits of whole switch intervals show.")
	for _, g := range groups {
		h := &g.phases[PhaseGILWait]
		if !g.reported[PhaseGILWait] || h.Coarse {
			continue
		}
		var cum uint64
		i := 0
		for _, cut := range gilCuts {
			for ; i <= cut; i++ {
				cum += h.Counts[i]
			}
			p.sample(gil+"_bucket", float64(cum), "process_group", g.name, "le", formatFloat(bucketUpper[cut]))
		}
		p.sample(gil+"_bucket", float64(h.Count), "process_group", g.name, "le", "+Inf")
		p.sample(gil+"_sum", h.Sum, "process_group", g.name)
		p.sample(gil+"_count", float64(h.Count), "process_group", g.name)
	}
	p.family("mod_wsgi_gil_handoff_ratio", "gauge",
		"Estimated chance that a thread waiting for the GIL gets it at the first hand-off, over the last minute (absent with too few waits).")
	window := int(math.Round(s.opt.Window.Seconds()))
	now := s.opt.Now()
	for _, g := range groups {
		bands, ok := g.gilBandsIn(now, window)
		if !ok {
			continue
		}
		if h := handoff(bands, g.x.switchInterval); !math.IsNaN(h) {
			p.sample("mod_wsgi_gil_handoff_ratio", h, "process_group", g.name)
		}
	}
	p.family("mod_wsgi_gil_switch_interval_seconds", "gauge", "The Python switch interval (sys.getswitchinterval()) of the group's processes.")
	for _, g := range groups {
		if g.x != nil && g.x.switchInterval > 0 {
			p.sample("mod_wsgi_gil_switch_interval_seconds", g.x.switchInterval, "process_group", g.name)
		}
	}
}

// gilCuts are the GIL-wait histogram's bounds: every bucket up to 128 ms,
// then one per octave (the last below the overflow bucket).
var gilCuts = func() []int {
	var cuts []int
	for i := 0; i < NumBuckets-1; i++ {
		if i <= 27 || i%4 == 3 {
			cuts = append(cuts, i)
		}
	}
	return cuts
}()

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
