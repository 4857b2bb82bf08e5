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

// What top reads of the JSON API (docs/telemetry-api.md) besides the
// snapshot: the event log and each phase's distribution over the window.

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
func (c *Client) Histogram(phase, group string, window float64) (*HistogramView, error) {
	q := url.Values{"phase": {phase}}
	if window > 0 {
		q.Set("window", strconv.Itoa(int(window)))
	}
	if group != "" {
		q.Set("group", group)
	}
	var h HistogramView
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
	d := &TopData{URL: c.URL, Snapshot: &Snapshot{}}
	if err := json.Unmarshal(data, d.Snapshot); err != nil {
		return nil, fmt.Errorf("reading %sapi/snapshot: %v", c.URL, err)
	}
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
