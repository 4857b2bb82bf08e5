// Package telemetry ingests mod_wsgi's telemetry: it receives the datagrams
// mod_wsgi processes send over a UNIX datagram socket, keeps a rolling
// window per process and cumulative counters per process group in memory,
// and serves them as Prometheus metrics, JSON, a live page and a terminal
// screen. It is the ingester behind start-server --enable-telemetry, so
// telemetry needs nothing installed beyond mod_wsgi-express.
//
// # Wiring
//
//	store := telemetry.NewStore(telemetry.Options{Step: interval, Alive: telemetry.ProcessExists})
//	go func() { for range time.Tick(time.Second) { store.Tick() } }() // crashes show without traffic
//	recv, err := telemetry.Listen(filepath.Join(root, "telemetry.sock"), uid, gid, store)
//	go recv.Serve()                     // until recv.Close(), which removes the socket file
//	http.Serve(ln, telemetry.Handler(store))
//
// uid and gid are the account mod_wsgi's processes run as (the socket gets
// mode 0660, so they can send and nobody else can); -1 keeps the
// ingester's own. Then, by module version (ModuleSource):
//
//   - mod_wsgi 6 and later: WSGITelemetryService unix:SOCKET interval=S
//     (plus WSGISlowRequests and WSGITelemetryOptions) in httpd.conf.
//   - mod_wsgi 4.8 to 5.x: each process starts the Python reporter,
//     templates/python/express_telemetry.py: express_telemetry.start(SOCKET,
//     interval, slow_threshold), and optionally wraps the application with
//     express_telemetry.instrument(application) for response classes and
//     slow requests.
//   - older: ModuleSource returns an error naming the version.
//
// RenderTop renders a Snapshot (Store.Snapshot, or GET /api/snapshot
// decoded) as a terminal screen for `mod_wsgi-express top`.
//
// # Wire format
//
// As mod_wsgi 6.0.5 sends it (its wsgi_telemetry.h; mod_wsgi's
// documentation describes it in "The External Telemetry Service"): a
// 24-byte little-endian header (magic "WSGI", version 1, kind, reserved
// flags, pid, per-process sequence number, stamp as float64 epoch seconds),
// then TLV records to the end of the datagram (uint16 id, uint8 type,
// a uint16 count for bytes and arrays, the value). Kinds seen from 6.0.5:
// 2 (the periodic sample: mod_wsgi calls it "request", the kind named
// "process", 1, is never sent), 4 (slow request: once per interval while it
// runs past the threshold, once when it completes), 5, 6 and 7 (process
// started, stopping, stopped), 8 and 9 (Python GC snapshot and pause). A
// process's first sample comes one interval after its STARTED datagram;
// mod_wsgi counts requests from the moment its reporter thread starts.
// WSGITelemetryService refuses intervals under 0.5 s. Histograms have 65 buckets: 16 octaves from 1 ms
// to 65.536 s, each split in 4, plus overflow (see BucketIndex). Malformed
// datagrams are counted by Reason and dropped; record IDs this package does
// not know are skipped and counted.
//
// # Measures by module version
//
// "6" is mod_wsgi 6 sending natively; "4.8" is mod_wsgi 4.8 to 5.x through
// the Python reporter (checked with Debian's 4.9.4).
//
//   - Requests, requests per second, capacity, busy and total workers,
//     memory (RSS and peak), completed requests per thread: 6 and 4.8.
//   - Requests by response class: 6; 4.8 only with instrument(), otherwise
//     they count under class "unknown".
//   - Phase means: 6 has server, queue, daemon, application, request and
//     the overlapping gil_wait, input_read and output_write; 4.8 has
//     server, queue, daemon and application, and request as their sum.
//   - Phase histograms: 6 has all its phases in 65 buckets; 4.8 has
//     server, queue, daemon and application (no request phase) in 16
//     buckets, so only the 5 ms × 2^k bounds are exact (the exposition
//     shows only those, and percentiles interpolate between them).
//   - Exact per-interval phase minimum and maximum: 6 only.
//   - CPU: 6 sends a rate per interval (integrated here); 4.8 sends
//     cumulative seconds (exact).
//   - Per-thread busy time, CPU time, in-flight elapsed and longest
//     request; request and response bytes: 6 only.
//   - Slow requests: 6 with WSGISlowRequests; 4.8 with instrument() and a
//     threshold (active ones each interval, then completed).
//   - Process start and stop: 6 with shutdown reasons; 4.8 sends the start
//     when the reporter starts and the stop (its final interval, then
//     STOPPED) at exit, once mod_wsgi has let the running requests finish;
//     mod_wsgi.subscribe_shutdown, called before they finish, only gives
//     the reason (4.9.4 gives none, shown "unknown") and bounds the wait
//     (express_telemetry.Reporter.EXIT_WAIT) should exit not come in time.
//     A process that dies without a word is marked lost (reason crash)
//     at the next check that its pid is gone (Options.Alive, checked every
//     second), or after Options.StaleAfter (or five of its intervals) of
//     silence.
//   - Versions shown: 6 gives mod_wsgi, Python, Apache and the MPM; 4.8
//     mod_wsgi and Python.
//   - GC (collections per generation from each interpreter's snapshot,
//     one datagram per collection's pause): 6 only. Store.GC serves the
//     window's overhead, rates, pauses and their distribution.
//   - GIL contention (the gil_wait histogram in bands of the switch
//     interval, a hand-off estimate) and per-thread heat maps: 6 only
//     (Store.GIL).
//   - Slow requests' detail (GIL wait and count, CPU user and system,
//     bytes and reads/writes, requests in flight at start and end): 6 only.
//
// Queue and daemon phases exist in daemon mode only. Under 4.x, the
// reporter is request_metrics()'s only reader: an application calling
// request_metrics() itself would take intervals from it. The reporter
// starts when the application is first loaded in a process (on its first
// request unless preloaded), from one interpreter per process.
//
// # Metrics
//
// GET /metrics (Prometheus text format 0.0.4), all prefixed mod_wsgi_:
//
//	requests_total{process_group,class}                counter
//	request_duration_seconds{process_group,phase,le}   histogram (le: 1.25 ms × 2^k and
//	                                                   65.536 s; 5 ms × 2^k for 4.x data)
//	processes{process_group}                           gauge
//	process_workers{process_group,pid}                 gauge
//	process_workers_busy{process_group,pid}            gauge (mean over the last interval)
//	process_resident_memory_bytes{process_group,pid}   gauge
//	process_cpu_seconds_total{process_group}           counter
//	process_starts_total{process_group}                counter
//	process_restarts_total{process_group}              counter (starts that replaced a stop)
//	process_stops_total{process_group,reason}          counter
//	process_restarts_by_reason_total{process_group,reason} counter (reason the replaced process stopped)
//	requests_in_flight{process_group}                  gauge (6 only)
//	slot_cpu_seconds_total{process_group,slot}         counter (every process that held the slot)
//	slot_cpu_utilization{process_group,slot}           gauge (cores, last interval)
//	slot_resident_memory_bytes{process_group,slot}     gauge
//	gc_collections_total{process_group,generation}     counter (6 only)
//	gc_uncollectable_objects_total{process_group,generation} counter (6 only)
//	gc_pause_seconds{process_group,generation,le}      histogram (le 0.1 ms to 5 s; 6 only)
//	gc_pause_events_dropped_total{process_group}       counter (6 only)
//	gil_wait_seconds{process_group,le}                 histogram (every bound to 128 ms; 6 only)
//	gil_handoff_ratio{process_group}                   gauge (last window; absent with few waits)
//	gil_switch_interval_seconds{process_group}         gauge (6 only)
//	slow_requests_total{process_group}                 counter
//	request_input_bytes_total{process_group}           counter
//	response_output_bytes_total{process_group}         counter
//	telemetry_datagrams_total{kind}                    counter
//	telemetry_datagrams_dropped_total{reason}          counter
//	telemetry_datagrams_lost_total                     counter (sequence gaps)
//	telemetry_unknown_fields_total                     counter
//
// # History and lifecycle
//
// Every Options.Step (the telemetry interval, at least a second) the store
// closes a step: a point per group, for all groups and per live process
// (requests/s by class, busy, workers, CPU, RSS, processes, p50/p95/p99
// per phase), from what each process reported in the step (a process
// silent for a step repeats its latest report for up to two intervals).
// Options.History (15 minutes) of points are kept in fixed rings, and per
// group the phase histograms in blocks of 5 steps (Store.Series,
// Store.PhaseHistogram). The lifecycle log (Store.Events) and the bars of
// processes no longer listed (Store.Timeline) keep Options.Events (10,000)
// each. Processes get a slot: the lowest index no running process of their
// group holds, so a replacement (even one starting while its predecessor
// is stopping) takes its place, and the per-slot series stay as many as
// the group's processes. Percentile
// estimates are bounded (see bounded): within the exact extremes, and at
// most mean/(1-q). An hour of 50 mod_wsgi 6 processes keeps about 23 MiB
// (TestStoreMemoryHour bounds it at 48 MiB).
//
// Embedded mode's processes have process_group "(embedded)" (EmbeddedGroup).
// Counters are kept per group for the life of the ingester, so process
// restarts do not reset them; per-process gauges disappear when a process
// stops. The JSON endpoints are listed on Handler.
package telemetry
