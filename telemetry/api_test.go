package telemetry

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	c := newClock(0)
	s := NewStore(Options{Now: c.Now, Linger: time.Hour})
	replay(t, s, c)
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()

	tests := []struct {
		method, path string
		status       int
		ctype        string
		check        func(t *testing.T, body []byte)
	}{
		{"GET", "/metrics", 200, MetricsContentType, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `mod_wsgi_requests_total{process_group="app",class="2xx"} 601`) {
				t.Error("no request counter")
			}
		}},
		{"HEAD", "/metrics", 200, MetricsContentType, nil},
		{"GET", "/api/snapshot", 200, "application/json", func(t *testing.T, b []byte) {
			var snap Snapshot
			if err := json.Unmarshal(b, &snap); err != nil {
				t.Fatal(err)
			}
			if snap.Totals.Requests != 667 || len(snap.Groups) != 2 || len(snap.Processes) == 0 || len(snap.SlowRequests) != 2 {
				t.Errorf("snapshot totals %+v, %d groups, %d processes, %d slow", snap.Totals, len(snap.Groups), len(snap.Processes), len(snap.SlowRequests))
			}
			// What top needs survives the JSON round trip.
			if !strings.Contains(RenderTop(&snap, 120, 40), "app") {
				t.Error("top cannot render the decoded snapshot")
			}
		}},
		{"GET", "/api/groups", 200, "application/json", func(t *testing.T, b []byte) {
			var g []GroupView
			if err := json.Unmarshal(b, &g); err != nil || len(g) != 2 || g[1].Requests["4xx"] != 5 {
				t.Errorf("groups %+v: %v", g, err)
			}
		}},
		{"GET", "/api/processes", 200, "application/json", func(t *testing.T, b []byte) {
			var p []ProcessView
			if err := json.Unmarshal(b, &p); err != nil || len(p) == 0 || p[0].ModWSGIVersion != "6.0.5" {
				t.Errorf("processes: %v", err)
			}
		}},
		{"GET", "/api/slow-requests", 200, "application/json", func(t *testing.T, b []byte) {
			var r []SlowRequest
			if err := json.Unmarshal(b, &r); err != nil || len(r) != 2 || r[0].State != "completed" {
				t.Errorf("slow requests %s: %v", b, err)
			}
		}},
		{"GET", "/api/ingest", 200, "application/json", func(t *testing.T, b []byte) {
			var in IngestView
			if err := json.Unmarshal(b, &in); err != nil || in.Accepted["process_started"] != 13 || len(in.Dropped) != len(Reasons) {
				t.Errorf("ingest %s: %v", b, err)
			}
		}},
		{"GET", "/api/nope", 404, "application/json", nil},
		{"POST", "/api/snapshot", 405, "", nil},
		{"GET", "/nope", 404, "", nil},
		{"GET", "/", 200, "text/html; charset=utf-8", func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `<script src="app.js"`) {
				t.Error("the page does not load its script")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.ctype)
			}
			if tt.status == 200 && resp.Header.Get("Cache-Control") != "no-store" {
				t.Error("response may be cached")
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

// An empty store's snapshot has empty lists, not nulls: the live page maps
// over them.
func TestEmptySnapshotLists(t *testing.T) {
	srv := httptest.NewServer(Handler(NewStore(Options{})))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"groups", "processes", "slow_requests"} {
		if string(raw[k]) != "[]" {
			t.Errorf("%s is %s, want []", k, raw[k])
		}
	}
}
