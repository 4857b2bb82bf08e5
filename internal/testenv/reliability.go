package testenv

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Listening reports whether some socket listens on TCP port (IPv4 or
// IPv6), from /proc/net/tcp{,6}.
func Listening(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st ...; st 0A is LISTEN.
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
				fh.Close()
				return true
			}
		}
		fh.Close()
	}
	return false
}

// DaemonPIDs lists the mod_wsgi daemon processes of the server with this
// server root: mod_wsgi writes the display name "(wsgi:GROUP:UID)" over
// argv[0] (cut to its length); the arguments after it still name the
// configuration file in root.
func DaemonPIDs(root string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		s := strings.TrimRight(string(cl), "\x00 ")
		if strings.HasPrefix(s, "(wsgi:") && strings.Contains(s, root+"/") {
			out = append(out, pid)
		}
	}
	return out
}

// WrkResult is what a wrk run reported.
type WrkResult struct {
	Output       string
	Requests     int
	SocketErrors string // the "Socket errors" line, "" when there were none
	Non2xx       string // the "Non-2xx or 3xx responses" line, "" when none
}

var reWrkRequests = regexp.MustCompile(`(?m)^\s*(\d+) requests in`)

// KeepAliveResult is what a wrk run over keep-alive connections counted.
type KeepAliveResult struct {
	Output                                string
	Requests                              int
	Connect, Read, Write, Timeout, Non2xx int
}

// Failures is the number of requests that failed in any way.
func (r KeepAliveResult) Failures() int {
	return r.Connect + r.Read + r.Write + r.Timeout + r.Non2xx
}

var (
	reWrkSocketErrors = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reWrkNon2xx       = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// WrkKeepAlive runs wrk as a load test does: conns keep-alive connections
// for dur, wrk's own 2 s timeout, and parses its counts. A connection the
// server closes under a client counts as a read error.
func WrkKeepAlive(t testing.TB, url string, conns int, dur string) KeepAliveResult {
	t.Helper()
	out, err := exec.Command("wrk", "-t", "2", "-c", strconv.Itoa(conns), "-d", dur, url).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	r := KeepAliveResult{Output: string(out)}
	if m := reWrkRequests.FindStringSubmatch(r.Output); m != nil {
		r.Requests, _ = strconv.Atoi(m[1])
	}
	if m := reWrkSocketErrors.FindStringSubmatch(r.Output); m != nil {
		r.Connect, _ = strconv.Atoi(m[1])
		r.Read, _ = strconv.Atoi(m[2])
		r.Write, _ = strconv.Atoi(m[3])
		r.Timeout, _ = strconv.Atoi(m[4])
	}
	if m := reWrkNon2xx.FindStringSubmatch(r.Output); m != nil {
		r.Non2xx, _ = strconv.Atoi(m[1])
	}
	return r
}

// Wrk runs wrk, one request per connection, against url with conns connections for dur (a wrk duration
// such as "10s") and parses what it printed.
func Wrk(t testing.TB, url string, conns int, dur string) WrkResult {
	t.Helper()
	// Connection: close makes every request a new connection, which is
	// what these tests measure (WrkKeepAlive keeps connections).
	out, err := exec.Command("wrk", "-t", "2", "-c", strconv.Itoa(conns), "-d", dur, "--timeout", "10s", "-H", "Connection: close", url).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	r := WrkResult{Output: string(out)}
	if m := reWrkRequests.FindStringSubmatch(r.Output); m != nil {
		r.Requests, _ = strconv.Atoi(m[1])
	}
	for _, l := range strings.Split(r.Output, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Socket errors"):
			r.SocketErrors = l
		case strings.HasPrefix(l, "Non-2xx"):
			r.Non2xx = l
		}
	}
	return r
}

// GetAll requests base+path for every path, workers at a time, fails
// the test on a request that cannot be made (any status is fine), and
// returns how many responses had each status.
func GetAll(t testing.TB, client *http.Client, base string, paths []string, workers int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				resp, err := client.Get(base + p)
				if err != nil {
					t.Error(err)
					continue
				}
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	for _, p := range paths {
		work <- p
	}
	close(work)
	wg.Wait()
	return statuses
}
