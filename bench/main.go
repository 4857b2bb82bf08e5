// Command bench measures mod_wsgi-express on this machine. It has three
// modes; each builds the binary from this repository, serves the hello
// example (examples/hello/hello.wsgi) on free loopback ports, drives it
// with wrk (keep-alive connections) and prints what it measured. Nothing
// is asserted: numbers go to standard output, and only ratios taken in
// one run mean anything on a shared machine.
//
// The default mode, ours against itself:
//
//	go run ./bench [-rounds 5] [-slice 1s] [-connections 4] [-threads 1] [-args "..."]
//
// daemon mode and embedded mode, each serving the app at / and a static
// file with the same body at /static.txt, measured in interleaved slices;
// also the wall time of setup-server, the time from running start-server
// to the first 200, and the resident memory of the servers.
//
// Against the servers a user would pick instead:
//
//	go run ./bench -compare [-scenario hello,page,...] [-rounds 5] [-slice 2s] [-connections 20] [-servers ours-default,gunicorn-sync,...] [-python-express=false]
//
// runs each -scenario in turn (default all), every server started afresh
// for it: hello (below), and on the page application (bench/page, a
// Django view rendering a template over 20 rows of a SQLite table,
// /static/ served by Apache from --url-alias and by the others through
// WhiteNoise, an upload and a streamed download): page (20 keep-alive
// clients), slow (10 clients alone, beside 150 connections trickling
// their request headers, beside 150 reading a 256 KiB response at 5 KiB/s),
// static (40% a 30 KiB stylesheet, 40% a 200 KiB image, 20% the page),
// bodies (10 MiB uploads and downloads, 10 clients; the largest RSS growth
// of a process), idle (20 clients alone and beside 2,000 idle keep-alive
// connections) and memory (idle, then each server's PSS while the idle
// connections are held). The page scenarios default to 3 rounds. Each
// prints a table per phase (requests/s, the ratio to gunicorn gthread,
// p99, errors, what happened to the slow or idle connections, memory, CPU
// per request, the load average after each round), then the issue's
// targets. The slow, idle and body clients are Go code (loadgen.go); wrk
// drives the rest.
//
// hello, on the hello application:
// ours in daemon mode (default sizing and --processes 2 --threads 5) and
// in --embedded-mode with a child per CPU (--processes auto), the Python mod_wsgi-express 6.0.5,
// gunicorn sync (2 workers) and gthread (2 × 5), uWSGI 2 × 5 on
// --http-socket (which closes every connection) and on --http11-socket
// (keep-alive), and waitress (4 threads), all started side by side and
// measured in interleaved slices (the order rotates every round, so the
// machine's noise falls on all alike). Per server: the median requests/s
// and p99 latency over the rounds, the CPU time of its process tree per
// request, the largest RSS of the tree sampled halfway through its
// slices, wrk's socket errors and non-2xx responses, whether it keeps
// connections alive, crashed children in Apache's error_log after the
// stop; then the ratios the project's targets name. ours-telemetry and
// ours-embedded-telemetry (ours with --enable-telemetry, each with a web
// UI port of its own) run only when -servers names them, to measure what
// telemetry costs beside ours-default and ours-embedded. -variant
// NAME=ARGS (repeatable) adds ours with ARGS as server
// var-NAME, and its CPU per request and requests/s against ours-default:
// how an option or a sizing changes the cost of a request, measured in the
// same run. The Python mod_wsgi-express is built once with pip from
// ../shared/vendor/mod_wsgi-6.0.5.tar.gz (-mod-wsgi-sdist) into the
// virtualenv the tests use ($MOD_WSGI_TEST_CACHE, by default
// /var/tmp/mod_wsgi-express-tests); it is left out, with a note, when that
// fails.
//
// Two servers loaded at the same moment:
//
//	go run ./bench -compare -paired A,B -scenario page [-rounds 8] [-slice 10s] [-variant NAME=ARGS]
//
// starts and warms up servers A and B (keys as -servers names them, or
// var-NAME) as -scenario page or hello does, then in each of -rounds
// pairs loads both at once, each by its own wrk with the scenario's
// connections, the one started first alternating, so that both see the
// same machine. Per pair: the load average, each one's requests/s and
// the CPU µs per request of its process tree, and their ratios; then the
// ratio of the requests/s over the pairs, the CPU per request weighted by
// requests, the median and range of the pairs' CPU ratios and the load
// average's range. Sequential rounds cannot resolve a few percent of CPU
// per request on a shared machine; this can.
//
// Keep-alive and restarts under load, one server at a time:
//
//	go run ./bench -keepalive [-scenarios default-50,usr1-50,...] [-duration 5s] [-rounds 1] [-args "..."] [-log]
//
// each scenario starts ours afresh, runs wrk with 50 or 200 clients
// (SIGUSR1 to start-server or apachectl graceful halfway through, for the
// restart scenarios), stops the server and prints wrk's socket errors and
// non-2xx responses and the error_log's crashed children and
// "MaxRequestWorkers"/"MinSpareThreads" warnings. -args adds start-server
// options to every scenario (to try sizings); -log prints each error_log.
//
// It needs wrk, Apache with mod_wsgi, and for -compare Debian's gunicorn,
// uwsgi-core, uwsgi-plugin-python3 and python3-waitress (and apache2-dev,
// python3-dev, python3-venv to build the Python mod_wsgi-express). Every
// server runs in a process group of its own and is stopped, with
// everything it started, before the command exits, also on Ctrl-C.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

var (
	compare   = flag.Bool("compare", false, "compare ours with gunicorn, uWSGI, waitress and the Python mod_wsgi-express")
	keepalive = flag.Bool("keepalive", false, "run the keep-alive and restart scenarios")

	rounds      = flag.Int("rounds", 0, "measured rounds (default 5; -compare page scenarios: 3; -paired: 8 pairs; -keepalive: 1); each round runs wrk for one -slice on every URL, in rotating order")
	slice       = flag.Duration("slice", 0, "length of one wrk run, whole seconds (default 1s; -compare: 2s; -paired: 10s)")
	warmup      = flag.Duration("warmup", time.Second, "length of the wrk warm-up of each URL")
	connections = flag.Int("connections", 0, "wrk connections (default 4; -compare: 20)")
	wrkThreads  = flag.Int("threads", 1, "wrk threads")
	extra       = flag.String("args", "", "extra start-server arguments for every server of ours, space separated")

	setupRuns = flag.Int("setup-runs", 20, "setup-server runs (the median is reported)")
	startRuns = flag.Int("start-runs", 5, "start-server runs per mode for the time to the first 200 (the median is reported)")

	serverKeys = flag.String("servers", "", "-compare: the servers to run, comma separated (default all: "+keysOf(compareKinds())+")")
	baseline   = flag.String("baseline", "", "-compare: also run ours built from this git revision (servers base-default, base-embedded), to measure what a change costs per request")
	variants   variantFlag // -variant NAME=ARGS, repeatable
	pyExpress  = flag.Bool("python-express", true, "-compare: include the Python mod_wsgi-express 6.0.5 (built once, then cached)")
	sdist      = flag.String("mod-wsgi-sdist", "", "-compare: mod_wsgi 6.0.5's source distribution (default ../shared/vendor/mod_wsgi-6.0.5.tar.gz from the repository)")

	scenarioKeys = flag.String("scenarios", "", "-keepalive: the scenarios to run, comma separated (default "+defaultScenarios+"; also "+extraScenarios+")")
	duration     = flag.Duration("duration", 5*time.Second, "-keepalive: length of each wrk run")
	showLog      = flag.Bool("log", false, "-keepalive: print each server's error_log after it stopped")
)

// The static file holds the same bytes the hello application returns.
const body = "Hello from Apache and mod_wsgi!\n"

// work is the temporary directory removed on exit.
var work string

func main() {
	flag.Var(&variants, "variant", "-compare: also run ours with these start-server arguments, as server var-NAME (NAME=ARGS, space separated; repeatable), to measure what an option costs per request or changes in a scenario")
	flag.Parse()
	if *compare && *keepalive {
		usage("-compare and -keepalive are separate runs: give one of them")
	}
	var plan pairedPlan
	if *pairedFlag != "" {
		if !*compare {
			usage("-paired is a mode of -compare: give -compare too")
		}
		plan = parsePaired()
	}
	// Ctrl-C or SIGTERM still stops the servers.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() { <-sigs; fail("interrupted") }()
	if _, err := exec.LookPath("wrk"); err != nil {
		fail("wrk not found: apt-get install -y wrk")
	}
	_, src, _, _ := runtime.Caller(0)
	repo := filepath.Dir(filepath.Dir(src))
	var err error
	work, err = os.MkdirTemp("", "mwe-bench-")
	check(err)
	defer os.RemoveAll(work)
	check(os.Chmod(work, 0o755)) // Apache's children run as another user

	e := &env{work: work, bin: filepath.Join(work, "mod_wsgi-express")}
	build := exec.Command("go", "build", "-o", e.bin, ".")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		fail(fmt.Sprintf("go build: %v\n%s", err, out))
	}
	hello, err := os.ReadFile(filepath.Join(repo, "examples", "hello", "hello.wsgi"))
	check(err)
	check(os.WriteFile(filepath.Join(work, "hello.wsgi"), hello, 0o644))
	check(os.WriteFile(filepath.Join(work, "hello_app.py"), hello, 0o644))
	check(os.WriteFile(filepath.Join(work, "static.txt"), []byte(body), 0o644))

	switch {
	case *compare && *pairedFlag != "":
		pairedMode(e, repo, plan)
	case *compare:
		compareMode(e, repo)
	case *keepalive:
		keepaliveMode(e, repo)
	default:
		selfMode(e)
	}
	stopAll()
}

// orDefault is v, or def when v is zero (the flag was not given).
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func header(what string) {
	fmt.Printf("mod_wsgi-express benchmark (%s), %s, %d CPUs, load average %s\n",
		what, time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), loadavg())
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

// usage reports a bad flag (exit status 2), fail anything else (1); both
// stop the servers and remove the work directory first.
func usage(msg string) { exit(2, msg) }

func fail(msg string) { exit(1, msg) }

func exit(code int, msg string) {
	abortWrk()
	stopAll()
	if work != "" {
		os.RemoveAll(work)
	}
	fmt.Fprintln(os.Stderr, "bench:", msg)
	os.Exit(code)
}
