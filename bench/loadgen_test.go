package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The generators run against a real HTTP server (net/http on loopback);
// nothing here is timed: the tests wait for counts, not for durations.

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ { // up to 20 s on a busy machine
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestSlowHeadersHoldsConnectionsAndCountsCuts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var got atomic.Int64 // bytes of headers received
	conns := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
			go func() {
				b := make([]byte, 100)
				for {
					n, err := c.Read(b)
					got.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	var st connStats
	wg := slowHeaders(ctx, l.Addr().String(), 3, 5*time.Millisecond, &st)
	waitFor(t, "three connections", func() bool { return st.open.Load() == 3 })
	start := got.Load()
	waitFor(t, "trickled bytes", func() bool { return got.Load() > start+10 })
	(<-conns).Close() // the server cuts one: it comes back
	waitFor(t, "a cut counted and the connection back", func() bool { return st.cut.Load() == 1 && st.opened.Load() == 4 })
	cancel()
	wg.Wait()
	if st.open.Load() != 0 || st.refused.Load() != 0 {
		t.Errorf("after the end: open %d, refused %d", st.open.Load(), st.refused.Load())
	}
}

func TestSlowReadersReadWholeResponses(t *testing.T) {
	body := strings.Repeat("x", 5000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var st connStats
	wg := slowReaders(ctx, srv.Listener.Addr().String(), "/", 2, 1000, time.Millisecond, &st)
	waitFor(t, "responses read on both", func() bool { return st.completed.Load() >= 4 && st.opened.Load() == 2 })
	cancel()
	wg.Wait()
	if st.cut.Load() != 0 || st.opened.Load() != 2 {
		t.Errorf("keep-alive readers: cut %d, opened %d (want 0, 2)", st.cut.Load(), st.opened.Load())
	}
}

func TestIdleConnsComeBackAfterTheServerClosesThem(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.IdleTimeout = 20 * time.Millisecond
	srv.Start()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var st connStats
	var closed atomic.Int64
	wg := idleConns(ctx, srv.Listener.Addr().String(), "/", 3, 10*time.Millisecond, &st, &closed)
	waitFor(t, "idle connections closed by the server and reopened", func() bool { return closed.Load() >= 3 && st.completed.Load() >= 6 })
	cancel()
	wg.Wait()
	if st.cut.Load() != 0 || st.opened.Load() < 6 {
		t.Errorf("cut %d, opened %d", st.cut.Load(), st.opened.Load())
	}
}

func TestBodiesUploadAndDownload(t *testing.T) {
	const size = 1 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/upload":
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, "%d\n", n)
		case "/download":
			n, _ := strconv.Atoi(r.URL.Query().Get("bytes"))
			io.Copy(w, &patterned{left: int64(n)})
		}
	}))
	defer srv.Close()
	r := bodies(srv.URL+"/", 1, 1, size, 300*time.Millisecond)
	if r.errors != 0 || r.requests == 0 || len(r.latencies) != r.requests || r.bytes != int64(r.requests)*size {
		t.Errorf("bodies: %d requests, %d errors, %d bytes, %d latencies", r.requests, r.errors, r.bytes, len(r.latencies))
	}
}

func TestPatterned(t *testing.T) {
	b, err := io.ReadAll(&patterned{left: 30})
	if err != nil || string(b) != "abcdefghijklmnopqrstuvwxyzabcd" {
		t.Errorf("got %q, %v", b, err)
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.99: 99 * time.Millisecond, 0.5: 50 * time.Millisecond, 1: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := percentile(lat, q); got != want {
			t.Errorf("percentile(%v) = %v, want %v", q, got, want)
		}
	}
	if percentile(nil, 0.99) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

func TestPssOf(t *testing.T) {
	rollup := "00400000-7ffc [rollup]\nRss:               10240 kB\nPss:                4321 kB\nPss_Anon:           1000 kB\n"
	if got := pssOf(rollup); got != 4321 {
		t.Errorf("pssOf = %d, want 4321", got)
	}
	if pssOf("") != 0 {
		t.Error("pssOf of nothing is not 0")
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 2s test @ http://127.0.0.1:1234/
  1 threads and 20 connections
  Latency Distribution
     50%    1.20ms
     99%   12.50ms
  2000 requests in 2.00s, 1.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:   1000.50
`
	r, ok := parseWrk(out)
	if !ok || r.rps != 1000.5 || r.requests != 2000 || r.p99 != 12500*time.Microsecond ||
		r.connect != 1 || r.read != 2 || r.write != 3 || r.timeout != 4 || r.non2xx != 5 {
		t.Errorf("parseWrk = %+v, %v", r, ok)
	}
	if _, ok := parseWrk("garbage"); ok {
		t.Error("parseWrk accepted output without Requests/sec")
	}
}

func TestCSSBytes(t *testing.T) {
	if b := cssBytes(cssSize); len(b) != cssSize || !strings.HasPrefix(string(b), ".item-0 {") {
		t.Errorf("cssBytes: %d bytes, starts %q", len(b), b[:20])
	}
}
