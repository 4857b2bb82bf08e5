package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reports.
type wrkResult struct {
	rps      float64
	p99      time.Duration
	requests int
	// Socket errors, as wrk counts them: connect, read (the server closed
	// a connection wrk was using, or reset it), write, timeout (no answer
	// within 2 s).
	connect, read, write, timeout int
	non2xx                        int  // wrk's "Non-2xx or 3xx responses"
	refusedAll                    bool // wrk could not connect at all (connect is its connections)
	hung                          bool // no response at all: wrk was killed (timeout is its connections)
}

func (r wrkResult) socketErrors() int { return r.connect + r.read + r.write + r.timeout }

// add sums the counts of two runs (rates and latencies are not summed).
func (r wrkResult) add(o wrkResult) wrkResult {
	r.requests += o.requests
	r.connect, r.read, r.write, r.timeout = r.connect+o.connect, r.read+o.read, r.write+o.write, r.timeout+o.timeout
	r.non2xx += o.non2xx
	r.refusedAll = r.refusedAll || o.refusedAll
	r.hung = r.hung || o.hung
	return r
}

// errorsText is the socket errors and non-2xx responses, "0" when none.
func (r wrkResult) errorsText() string {
	if r.socketErrors() == 0 && r.non2xx == 0 {
		return "0"
	}
	if r.refusedAll && r.socketErrors() == r.connect && r.non2xx == 0 {
		return fmt.Sprintf("could not connect (c%d)", r.connect)
	}
	if r.hung && r.socketErrors() == r.timeout && r.non2xx == 0 {
		return fmt.Sprintf("no response at all (t%d)", r.timeout)
	}
	return fmt.Sprintf("c%d r%d w%d t%d, non-2xx %d", r.connect, r.read, r.write, r.timeout, r.non2xx)
}

// runWrk drives url with wrk (keep-alive connections, -t *wrkThreads)
// for d, whole seconds, with --latency. mid, when not nil, runs halfway
// through the run (an RSS sample, a restart).
func runWrk(url string, connections int, d time.Duration, mid func()) wrkResult {
	return runWrkScript(url, connections, d, "", mid)
}

// runWrkScript is runWrk with wrk's -s script when script is not "".
func runWrkScript(url string, connections int, d time.Duration, script string, mid func()) wrkResult {
	w := startWrk(url, connections, d, script)
	if mid != nil {
		time.Sleep(d / 2)
		mid()
	}
	return w.wait()
}

// wrkRun is a wrk started by startWrk, for wait to collect.
type wrkRun struct {
	url         string
	connections int
	cmd         *exec.Cmd
	out         *strings.Builder
	hung        *time.Timer
}

// startWrk starts wrk as runWrkScript runs it, without waiting: the
// paired mode starts two at once.
func startWrk(url string, connections int, d time.Duration, script string) *wrkRun {
	threads := min(*wrkThreads, connections)
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(connections),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Seconds()))), "--latency"}
	if script != "" {
		args = append(args, "-s", script)
	}
	w := &wrkRun{url: url, connections: connections, out: &strings.Builder{}}
	w.cmd = exec.CommandContext(aborted, "wrk", append(args, url)...)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	check(w.cmd.Start())
	// wrk checks its end time only when a response completes: against a
	// server that answers nothing it would run for ever. It is killed
	// 10 s after its end, and counts as nothing served.
	w.hung = time.AfterFunc(d+10*time.Second, func() { w.cmd.Process.Kill() })
	return w
}

// wait waits for wrk to exit and reads its report.
func (w *wrkRun) wait() wrkResult {
	err := w.cmd.Wait()
	if aborted.Err() != nil {
		select {} // killed by exit, which ends the program
	}
	if !w.hung.Stop() {
		return wrkResult{timeout: w.connections, hung: true}
	}
	r, ok := parseWrk(w.out.String())
	if !ok && strings.Contains(w.out.String(), "unable to connect") {
		// wrk gives up when its first connection fails (a server whose
		// listen backlog is full of other clients): nothing was served.
		return wrkResult{connect: w.connections, refusedAll: true}
	}
	if err != nil || !ok {
		fail(fmt.Sprintf("wrk %s: %v\n%s", w.url, err, w.out.String()))
	}
	return r
}

// aborted is cancelled when the program exits early: it kills wrk.
var aborted, abortWrk = context.WithCancel(context.Background())

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reP99      = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// parseWrk reads wrk's report; ok is false without a requests/s line.
func parseWrk(out string) (r wrkResult, ok bool) {
	m := reRPS.FindStringSubmatch(out)
	if m == nil {
		return r, false
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := reRequests.FindStringSubmatch(out); m != nil {
		r.requests = atoi(m[1])
	}
	if m := reP99.FindStringSubmatch(out); m != nil {
		r.p99, _ = time.ParseDuration(m[1] + m[2])
	}
	if m := reSocket.FindStringSubmatch(out); m != nil {
		r.connect, r.read, r.write, r.timeout = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		r.non2xx = atoi(m[1])
	}
	return r, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
