package telemetry

import (
	"strconv"
	"strings"
)

// seenCaps is what the processes have sent so far.
type seenCaps struct {
	requestPhase, extremes, threads, bytes, gil, inFlight, reasons bool
	gc                                                             bool
	module                                                         string // newest mod_wsgi version heard
}

func (c *seenCaps) note(d *Datagram, v *sample) {
	if v != nil {
		c.requestPhase = c.requestPhase || v.buckets[PhaseRequest] != nil
		c.gil = c.gil || v.buckets[PhaseGILWait] != nil
		for _, h := range v.hasMax {
			c.extremes = c.extremes || h
		}
	}
	if _, ok := d.Record(FieldSlotBusyTime); ok {
		c.threads = true
	}
	if _, ok := d.Record(FieldInputBytes); ok {
		c.bytes = true
	}
	if _, ok := d.Record(FieldSlotCurrentElapsed); ok {
		c.inFlight = true
	}
	if r, ok := d.String(FieldShutdownReason); ok && r != "" {
		c.reasons = true
	}
	if d.Kind == KindGCSnapshot || d.Kind == KindGCEvent {
		c.gc = true
	}
	if m, ok := d.String(FieldModWSGIVersion); ok && m != "" {
		m = cleanText(m, 32)
		if c.module == "" || versionLess(c.module, m) {
			c.module = m
		}
	}
}

// versionLess compares dotted versions numerically.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// Capabilities says what the module sends, and what it cannot and why.
type Capabilities struct {
	Module          string    `json:"module"`
	Source          string    `json:"source"` // native, reporter, none
	RequestPhase    bool      `json:"request_phase"`
	Extremes        bool      `json:"extremes"`
	Threads         bool      `json:"threads"`
	Bytes           bool      `json:"bytes"`
	GC              bool      `json:"gc"`
	GIL             bool      `json:"gil"`
	InFlight        bool      `json:"in_flight"`
	ShutdownReasons bool      `json:"shutdown_reasons"`
	Missing         []Missing `json:"missing"`
}

// Missing is a measure the module does not send, in plain words.
type Missing struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

func (c *seenCaps) view() Capabilities {
	v := Capabilities{Module: c.module, Source: "none", Missing: []Missing{}}
	if c.module == "" {
		return v
	}
	major, _ := strconv.Atoi(strings.SplitN(c.module, ".", 2)[0])
	if major >= 6 {
		// mod_wsgi 6 sends all of them natively (GC with its GC option).
		v.Source = "native"
		v.RequestPhase, v.Extremes, v.Threads, v.Bytes = true, true, true, true
		v.GC, v.GIL, v.InFlight, v.ShutdownReasons = true, true, true, true
		return v
	}
	v.Source = "reporter"
	v.RequestPhase, v.Extremes, v.Threads, v.Bytes = c.requestPhase, c.extremes, c.threads, c.bytes
	v.GC, v.GIL, v.InFlight, v.ShutdownReasons = c.gc, c.gil, c.inFlight, c.reasons
	need := "mod_wsgi " + c.module + " does not "
	add := func(have bool, what, does string) {
		if !have {
			v.Missing = append(v.Missing, Missing{what, need + does + "; it needs mod_wsgi 6"})
		}
	}
	add(v.GC, "GC", "report Python garbage collection (collections, pauses)")
	add(v.GIL, "GIL", "measure how long requests wait for the GIL")
	add(v.Threads, "threads", "report per-thread busy time, CPU or current requests")
	add(v.RequestPhase, "request phase", "give a histogram of whole requests (only server, queue, daemon and application)")
	add(v.Extremes, "exact minimum and maximum", "report each interval's fastest and slowest request, so percentiles are bucket estimates")
	add(v.InFlight, "requests in flight", "report the requests running at each sample")
	add(v.Bytes, "bytes in and out", "count request and response bytes")
	add(v.ShutdownReasons, "shutdown reasons", "say why a process stopped (shown as unknown)")
	return v
}
