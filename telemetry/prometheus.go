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
