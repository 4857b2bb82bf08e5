package telemetry

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SlowDetail is what a slow request's datagram carries beyond its
// identity and phases (mod_wsgi 6; our reporter for 4.x sends none of it,
// so it is zero there).
type SlowDetail struct {
	// ID names the request: pid, thread and start (microseconds), stable
	// over its reports. GET /api/slow-requests/{id}.
	ID            string  `json:"id"`
	GILWaitCount  uint64  `json:"gil_wait_count"` // times the thread waited to take the GIL back
	CPUUser       float64 `json:"cpu_user"`       // seconds
	CPUSystem     float64 `json:"cpu_system"`
	InputBytes    uint64  `json:"input_bytes"`
	InputReads    uint64  `json:"input_reads"`
	OutputBytes   uint64  `json:"output_bytes"`
	OutputWrites  uint64  `json:"output_writes"`
	ActiveAtStart uint64  `json:"active_at_start"` // requests in flight in the process when it started, itself included
	ActiveAtEnd   uint64  `json:"active_at_end"`   // when it completed (0 while active)
}

// SlowOverlap are the measures that overlap a slow request's application
// phase: GIL wait, reading input, writing output (seconds).
type SlowOverlap struct {
	GILWait     float64 `json:"gil_wait"`
	InputRead   float64 `json:"input_read"`
	OutputWrite float64 `json:"output_write"`
}

// GroupDetail is what a group's view has beyond the original counters.
type GroupDetail struct {
	// RestartsByReason counts restarts by the reason the process replaced
	// had stopped ("crash" when it vanished).
	RestartsByReason map[string]uint64 `json:"restarts_by_reason"`
	GC               *GCSummary        `json:"gc"`  // null without GC data (mod_wsgi 6 only)
	GIL              *GILSummary       `json:"gil"` // null without GIL data (mod_wsgi 6 only)
}

// groupDetails fills in the groups' details over the snapshot's window.
func (s *Store) groupDetails(snap *Snapshot, now time.Time) {
	window := int(math.Round(s.opt.Window.Seconds()))
	for i := range snap.Groups {
		v := &snap.Groups[i]
		v.RestartsByReason = map[string]uint64{}
		g := s.groups[v.Name]
		if g == nil {
			continue
		}
		for r, c := range s.x.groupLife(v.Name).restartBy {
			v.RestartsByReason[r] = c
		}
		v.GC = g.gcSummary(now, window)
		v.GIL = g.gilSummary(now, window)
	}
}

// readDetail reads the slow request's detail records; values that are
// not finite and non-negative are left at zero.
func (r *SlowRequest) readDetail(d *Datagram) {
	r.ID = strconv.FormatUint(uint64(d.PID), 10) + "-" + strconv.FormatUint(r.Thread, 10) + "-" +
		strconv.FormatInt(r.Start.UnixMicro(), 10)
	for _, f := range []struct {
		id  uint16
		dst *float64
	}{{FieldSlowGILWaitTime, &r.Phases.GILWait}, {FieldSlowInputReadTime, &r.Phases.InputRead},
		{FieldSlowOutputWriteTime, &r.Phases.OutputWrite}, {FieldSlowCPUUserTime, &r.CPUUser},
		{FieldSlowCPUSystemTime, &r.CPUSystem}} {
		if x, ok := d.Float(f.id); ok && finiteNonNeg(x) {
			*f.dst = x
		}
	}
	for _, f := range []struct {
		id  uint16
		dst *uint64
	}{{FieldSlowGILWaitCount, &r.GILWaitCount}, {FieldSlowInputBytes, &r.InputBytes},
		{FieldSlowInputReads, &r.InputReads}, {FieldSlowOutputBytes, &r.OutputBytes},
		{FieldSlowOutputWrites, &r.OutputWrites}, {FieldSlowActiveAtStart, &r.ActiveAtStart},
		{FieldSlowActiveAtCompletion, &r.ActiveAtEnd}} {
		if x, ok := d.Uint(f.id); ok {
			*f.dst = x
		}
	}
}

// slowRank orders states: active first, then the others (completed,
// lost).
func slowRank(state string) int {
	if state == "active" {
		return 0
	}
	return 1
}

// sortSlow orders slow requests as the API lists them by default: active
// first, then the others; each part by start, newest first.
func sortSlow(r []SlowRequest) []SlowRequest {
	sort.SliceStable(r, func(i, j int) bool {
		if a, b := slowRank(r[i].State), slowRank(r[j].State); a != b {
			return a < b
		}
		return r[i].Start.After(r[j].Start)
	})
	return r
}

// slowQuery is GET /api/slow-requests's filters and order.
type slowQuery struct {
	state       string
	path        string
	minDuration float64
	sort        string
	desc        bool
}

// parseSlowQuery reads state (active, completed or lost), path (a
// substring), min_duration (seconds), sort (start, duration, status or
// path) and order (asc or desc; default desc, asc for path).
func parseSlowQuery(r *http.Request) (slowQuery, error) {
	q := r.URL.Query()
	sq := slowQuery{state: q.Get("state"), path: q.Get("path"), sort: q.Get("sort")}
	switch sq.state {
	case "", "active", "completed", "lost":
	default:
		return sq, errParam("state", "active, completed or lost")
	}
	if v := q.Get("min_duration"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !finiteNonNeg(f) {
			return sq, errParam("min_duration", "a number of seconds, 0 or more")
		}
		sq.minDuration = f
	}
	switch sq.sort {
	case "", "start", "duration", "status", "path":
	default:
		return sq, errParam("sort", "start, duration, status or path")
	}
	switch q.Get("order") {
	case "":
		sq.desc = sq.sort != "path"
	case "desc":
		sq.desc = true
	case "asc":
	default:
		return sq, errParam("order", "asc or desc")
	}
	return sq, nil
}

// apply filters and sorts r (in the default order already). Without a
// sort, the default order stands.
func (q slowQuery) apply(r []SlowRequest) []SlowRequest {
	out := []SlowRequest{}
	for _, x := range r {
		if (q.state != "" && x.State != q.state) || (q.path != "" && !strings.Contains(x.Path, q.path)) ||
			x.Duration < q.minDuration {
			continue
		}
		out = append(out, x)
	}
	if q.sort == "" {
		return out
	}
	less := func(a, b *SlowRequest) bool {
		switch q.sort {
		case "duration":
			return a.Duration < b.Duration
		case "status":
			return a.Status < b.Status
		case "path":
			return a.Path < b.Path
		}
		return a.Start.Before(b.Start)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if q.desc {
			return less(&out[j], &out[i])
		}
		return less(&out[i], &out[j])
	})
	return out
}
