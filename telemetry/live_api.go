package telemetry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// The parts of the JSON API (docs/telemetry-api.md) that top reads beyond
// the Snapshot struct: names and JSON tags as the contract gives them.

// Capabilities says what the modules heard from report, and what they
// cannot (snapshot "capabilities").
type Capabilities struct {
	Module          string    `json:"module"`
	Source          string    `json:"source"` // native, reporter or none
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

// Missing is one measure the module does not send, and why.
type Missing struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// Event is one entry of the lifecycle event log (GET /api/events).
type Event struct {
	T        float64 `json:"t"`
	Kind     string  `json:"kind"` // started, stopping, stopped, lost, restarted
	Group    string  `json:"group"`
	PID      uint32  `json:"pid"`
	Slot     int     `json:"slot"`
	Reason   string  `json:"reason"`
	Uptime   float64 `json:"uptime"`
	Requests uint64  `json:"requests"`
	InFlight int     `json:"in_flight"`
	Replaces uint32  `json:"replaces"`
}

// PhaseHistogram is one phase's distribution over a window (GET
// /api/histogram); top reads its summary, not its buckets.
type PhaseHistogram struct {
	Phase           string   `json:"phase"`
	Window          float64  `json:"window"`
	Count           uint64   `json:"count"`
	Mean            *float64 `json:"mean"`
	Min             *float64 `json:"min"`
	Max             *float64 `json:"max"`
	P50             *float64 `json:"p50"`
	P95             *float64 `json:"p95"`
	P99             *float64 `json:"p99"`
	BelowResolution bool     `json:"below_resolution"`
	Coarse          bool     `json:"coarse"`
}

// snapshotExtras are the snapshot's fields that the Snapshot struct does
// not hold (yet).
type snapshotExtras struct {
	Capabilities *Capabilities `json:"capabilities"`
	Totals       struct {
		CurrentThroughput *float64 `json:"current_throughput"`
		InFlight          *int     `json:"in_flight"`
	} `json:"totals"`
	Groups []struct {
		Name              string   `json:"name"`
		CurrentThroughput *float64 `json:"current_throughput"`
		InFlight          *int     `json:"in_flight"`
	} `json:"groups"`
}

// errNoEndpoint is an API endpoint the ingester does not serve (404).
var errNoEndpoint = errors.New("not served by this ingester")

// get reads GET URL+path into v, or returns the body's bytes when v is
// nil.
func (c *Client) get(path string, v any) ([]byte, error) {
	resp, err := c.http.Get(c.URL + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s: %w", c.URL+path, errNoEndpoint)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", c.URL+path, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", c.URL+path, err)
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("reading %s: %v", c.URL+path, err)
		}
	}
	return data, nil
}

// SnapshotJSON is GET URL/api/snapshot as the ingester sent it.
func (c *Client) SnapshotJSON() ([]byte, error) {
	data, err := c.get("api/snapshot", nil)
	if err == nil && !json.Valid(data) {
		err = fmt.Errorf("reading %sapi/snapshot: not JSON", c.URL)
	}
	return data, err
}

// Events reads the lifecycle event log, newest first.
func (c *Client) Events() ([]Event, error) {
	var ev []Event
	_, err := c.get("api/events", &ev)
	return ev, err
}

// Histogram reads one phase's distribution over window seconds, of one
// group ("" for all).
func (c *Client) Histogram(phase, group string, window float64) (*PhaseHistogram, error) {
	q := url.Values{"phase": {phase}}
	if window > 0 {
		q.Set("window", strconv.Itoa(int(window)))
	}
	if group != "" {
		q.Set("group", group)
	}
	var h PhaseHistogram
	if _, err := c.get("api/histogram?"+q.Encode(), &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// TopFetch says what Client.Top reads besides the snapshot.
type TopFetch struct {
	Phases bool // each reported phase's distribution over the window
	Events bool // the event log
}

// Top reads what top shows: the snapshot, and what want asks for, for
// group ("" for all). Only a failure to read the snapshot is an error; the
// other parts say in TopData why they are missing.
func (c *Client) Top(want TopFetch, group string) (*TopData, error) {
	data, err := c.get("api/snapshot", nil)
	if err != nil {
		return nil, err
	}
	d := &TopData{URL: c.URL}
	if d.Snapshot, d.extras, err = decodeSnapshot(data); err != nil {
		return nil, fmt.Errorf("reading %sapi/snapshot: %v", c.URL, err)
	}
	d.Capabilities = d.extras.Capabilities
	if want.Phases {
		d.PhasesFetched = true
		for _, ph := range reportedPhases(d.Snapshot, group) {
			h, err := c.Histogram(ph, group, d.Snapshot.WindowSeconds)
			if err != nil {
				d.Phases, d.PhasesErr = nil, err
				break
			}
			if h.Phase == "" {
				h.Phase = ph
			}
			d.Phases = append(d.Phases, *h)
		}
	}
	if want.Events {
		d.EventsFetched = true
		d.Events, d.EventsErr = c.Events()
	}
	return d, nil
}

// decodeSnapshot reads a GET /api/snapshot body.
func decodeSnapshot(data []byte) (*Snapshot, snapshotExtras, error) {
	var s Snapshot
	var x snapshotExtras
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, x, err
	}
	if err := json.Unmarshal(data, &x); err != nil {
		return nil, x, err
	}
	return &s, x, nil
}

// reportedPhases are the phases the group's processes (every group's for
// "") have reported, in wire order.
func reportedPhases(s *Snapshot, group string) []string {
	seen := map[string]bool{}
	for _, g := range s.Groups {
		if group != "" && g.Name != group {
			continue
		}
		for _, ph := range g.Phases {
			seen[ph.Phase] = true
		}
	}
	var out []string
	for ph := Phase(0); ph < NumPhases; ph++ {
		if seen[ph.String()] {
			out = append(out, ph.String())
		}
	}
	return out
}
