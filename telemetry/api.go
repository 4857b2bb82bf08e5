package telemetry

import (
	"encoding/json"
	"net/http"
)

// Handler serves the store over HTTP:
//
//	GET /metrics              Prometheus text exposition format
//	GET /api/snapshot         the whole Snapshot as JSON: totals, groups,
//	                          processes (with their window's series), slow
//	                          requests and datagram counts
//	GET /api/groups           Snapshot.Groups
//	GET /api/processes        Snapshot.Processes
//	GET /api/slow-requests    Snapshot.SlowRequests, filtered by state, path
//	                          and min_duration, sorted by sort and order
//	GET /api/slow-requests/{id} one of them (404 when unknown)
//	GET /api/gc               Store.GC for window and group
//	GET /api/gil              Store.GIL for window and group
//	GET /api/ingest           Snapshot.Ingest
//	GET /api/series           history of a group, all groups or a process
//	                          (window, group, pid): Store.Series
//	GET /api/histogram        a phase's distribution over the window
//	                          (window, group, phase): Store.PhaseHistogram
//	GET /api/events           the lifecycle log, newest first (since)
//	GET /api/timeline         one bar per process alive in the window
//	GET /                     the live page (web/index.html, its script
//	                          and styles; polls the API)
//
// HEAD works wherever GET does; other methods get 405. Responses are not
// cached. The data includes request URLs and, with +CaptureUserAgent,
// user agents: serve it on loopback, or behind authentication.
func Handler(s *Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", MetricsContentType)
		noCache(w)
		s.WriteMetrics(w)
	})
	api := func(path string, part func(*Snapshot) any) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			snap := s.Snapshot()
			writeJSON(w, http.StatusOK, part(&snap))
		})
	}
	api("/api/snapshot", func(s *Snapshot) any {
		// Empty lists as [], not null: the live page maps over them.
		s.Groups, s.Processes, s.SlowRequests = nonNil(s.Groups), nonNil(s.Processes), nonNil(s.SlowRequests)
		return s
	})
	api("/api/groups", func(s *Snapshot) any { return nonNil(s.Groups) })
	api("/api/processes", func(s *Snapshot) any { return nonNil(s.Processes) })
	api("/api/ingest", func(s *Snapshot) any { return s.Ingest })
	historyAPI(mux, s)
	registerExtra(mux, s)
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint: " + r.URL.Path})
	})
	mux.HandleFunc("GET /{$}", servePage)
	mux.HandleFunc("GET /{file}", servePage) // the page's app.js, charts.js, app.css
	return mux
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func noCache(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	noCache(w)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
