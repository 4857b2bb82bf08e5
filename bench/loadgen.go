package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load generators wrk cannot be: connections that trickle their
// request headers, connections that read their responses slowly, idle
// keep-alive connections, and clients that upload and download large
// bodies. Each runs until its context is cancelled and counts what
// happened to its connections.

// connStats counts what happened to a generator's connections.
type connStats struct {
	open      atomic.Int64 // connections open now
	opened    atomic.Int64 // connections established
	cut       atomic.Int64 // closed or reset by the server before the client was done
	refused   atomic.Int64 // connect errors (refused, reset during connect)
	timeouts  atomic.Int64 // connects or responses that took longer than the generator waits
	completed atomic.Int64 // responses read in full
}

// sideResult is a snapshot of connStats, with the open connections
// sampled while the measured clients ran.
type sideResult struct {
	openMid                                   int64
	opened, cut, refused, timeouts, completed int64
}

func (s *connStats) snapshot(openMid int64) sideResult {
	return sideResult{openMid, s.opened.Load(), s.cut.Load(), s.refused.Load(), s.timeouts.Load(), s.completed.Load()}
}

func (r sideResult) add(o sideResult) sideResult {
	return sideResult{r.openMid + o.openMid, r.opened + o.opened, r.cut + o.cut, r.refused + o.refused, r.timeouts + o.timeouts, r.completed + o.completed}
}

// dialTimeout is how long a generator waits for a connection.
const dialTimeout = 5 * time.Second

// dial connects to addr, counting refusals and timeouts; rcvbuf > 0 sets
// the socket's receive buffer before connecting (so the TCP window stays
// that small).
func dial(ctx context.Context, addr string, rcvbuf int, st *connStats) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var err error
			c.Control(func(fd uintptr) { err = setRcvbuf(fd, rcvbuf) })
			return err
		}
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			st.timeouts.Add(1)
		} else {
			st.refused.Add(1)
		}
		return nil, err
	}
	st.opened.Add(1)
	st.open.Add(1)
	return c, nil
}

// closeConn closes c once its context ends.
func closeOnDone(ctx context.Context, c net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.Close() })
}

// pause sleeps for d or until ctx ends; false when it ended.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// spread starts n copies of f over the first ramp of the run, so that
// thousands of connections do not all hit the listen backlog at once.
func spread(ctx context.Context, n int, ramp time.Duration, f func(ctx context.Context, i int)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ramp > 0 && !pause(ctx, ramp*time.Duration(i)/time.Duration(n)) {
				return
			}
			f(ctx, i)
		}()
	}
	return &wg
}

// slowHeaders holds n connections that send a request line and then one
// byte of a header every interval, never finishing the request (a client
// on a bad link, or an attack). When the server closes one it is counted
// as cut and opened again after interval.
func slowHeaders(ctx context.Context, addr string, n int, interval time.Duration, st *connStats) *sync.WaitGroup {
	return spread(ctx, n, time.Second, func(ctx context.Context, _ int) {
		for ctx.Err() == nil {
			c, err := dial(ctx, addr, 0, st)
			if err != nil {
				pause(ctx, interval)
				continue
			}
			stop := closeOnDone(ctx, c)
			closed := make(chan struct{})
			go func() { io.Copy(io.Discard, c); close(closed) }() // any answer (408) or EOF ends it
			_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
			for err == nil {
				select {
				case <-ctx.Done():
				case <-closed:
				case <-time.After(interval):
					_, err = c.Write([]byte{'a'})
					continue
				}
				break
			}
			stop()
			c.Close()
			<-closed
			st.open.Add(-1)
			if ctx.Err() == nil {
				st.cut.Add(1)
				pause(ctx, interval)
			}
		}
	})
}

// slowReaders holds n keep-alive connections that each ask for path and
// read the response chunk bytes every interval, through a receive buffer
// of rcvbuf bytes, then ask again. A response cut short, or a connection
// closed before a response began, counts as cut.
func slowReaders(ctx context.Context, addr, path string, n, chunk int, interval time.Duration, st *connStats) *sync.WaitGroup {
	return spread(ctx, n, time.Second, func(ctx context.Context, _ int) {
		for ctx.Err() == nil {
			c, err := dial(ctx, addr, 4096, st)
			if err != nil {
				pause(ctx, interval)
				continue
			}
			stop := closeOnDone(ctx, c)
			r := &throttled{ctx: ctx, r: c, chunk: chunk, interval: interval}
			err = keepRequesting(ctx, c, bufio.NewReaderSize(r, chunk), path, st, nil)
			stop()
			c.Close()
			st.open.Add(-1)
			if ctx.Err() == nil && err != nil {
				st.cut.Add(1)
				pause(ctx, interval)
			}
		}
	})
}

// throttled reads at most chunk bytes every interval.
type throttled struct {
	ctx      context.Context
	r        io.Reader
	chunk    int
	interval time.Duration
	last     time.Time
}

func (t *throttled) Read(p []byte) (int, error) {
	if wait := time.Until(t.last.Add(t.interval)); wait > 0 && !pause(t.ctx, wait) {
		return 0, t.ctx.Err()
	}
	t.last = time.Now()
	return t.r.Read(p[:min(len(p), t.chunk)])
}

// keepRequesting sends GET path on c and reads each response in full,
// again and again; after each response it calls between (nil: ask again
// at once), which may wait. It returns why it stopped: the context, or
// the server closing the connection (io.EOF when that was between two
// responses), or a bad response.
func keepRequesting(ctx context.Context, c net.Conn, br *bufio.Reader, path string, st *connStats, between func() bool) error {
	req := "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	for ctx.Err() == nil {
		if _, err := io.WriteString(c, req); err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF // closed before the next response: the server's keep-alive timeout
			}
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		st.completed.Add(1)
		if resp.Close {
			return io.EOF
		}
		if between != nil && !between() {
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// idleConns holds n keep-alive connections that each ask for path once
// and then stay idle. A connection the server closes while idle (its
// keep-alive timeout) is opened again after think, with a request, as a
// browser does when its user clicks on; one cut while a response was
// under way counts as cut, one closed while idle as closed.
func idleConns(ctx context.Context, addr, path string, n int, think time.Duration, st *connStats, closedIdle *atomic.Int64) *sync.WaitGroup {
	return spread(ctx, n, 2*time.Second, func(ctx context.Context, i int) {
		rng := rand.New(rand.NewSource(int64(i)))
		for ctx.Err() == nil {
			c, err := dial(ctx, addr, 0, st)
			if err != nil {
				pause(ctx, think)
				continue
			}
			stop := closeOnDone(ctx, c)
			br := bufio.NewReader(c)
			err = keepRequesting(ctx, c, br, path, st, func() bool {
				_, err := br.Peek(1) // idle until the server closes it (or the run ends)
				return err == nil && ctx.Err() == nil
			})
			stop()
			c.Close()
			st.open.Add(-1)
			if ctx.Err() != nil {
				return
			}
			if err == nil || errors.Is(err, io.EOF) {
				closedIdle.Add(1)
			} else {
				st.cut.Add(1)
			}
			pause(ctx, think/2+time.Duration(rng.Int63n(int64(think))))
		}
	})
}

// bodyResult is what the bodies generator measured.
type bodyResult struct {
	requests, errors int
	bytes            int64
	latencies        []time.Duration
	elapsed          time.Duration
}

func (r bodyResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// bodies runs uploaders clients that POST size bytes to base+"upload"
// (the application reads them and answers their count) and downloaders
// that GET base+"download?bytes=size" and read it all, each over a
// keep-alive connection, for d.
func bodies(base string, uploaders, downloaders int, size int64, d time.Duration) bodyResult {
	ctx, cancel := context.WithTimeout(aborted, d)
	defer cancel()
	var mu sync.Mutex
	res := bodyResult{}
	t0 := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < uploaders+downloaders; i++ {
		upload := i < uploaders
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			for ctx.Err() == nil {
				start := time.Now()
				n, err := bodyRequest(ctx, client, base, upload, size)
				if ctx.Err() != nil && err != nil {
					return // cut by the end of the run: not counted
				}
				mu.Lock()
				if err != nil {
					res.errors++
				} else {
					res.requests++
					res.bytes += n
					res.latencies = append(res.latencies, time.Since(start))
				}
				mu.Unlock()
				if err != nil {
					pause(ctx, 100*time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(t0)
	return res
}

// bodyRequest makes one upload or download and checks its size.
func bodyRequest(ctx context.Context, client *http.Client, base string, upload bool, size int64) (int64, error) {
	var req *http.Request
	if upload {
		req, _ = http.NewRequestWithContext(ctx, "POST", base+"upload", &patterned{left: size})
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
	} else {
		req, _ = http.NewRequestWithContext(ctx, "GET", base+"download?bytes="+strconv.FormatInt(size, 10), nil)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if upload {
		b, err := io.ReadAll(io.LimitReader(resp.Body, 100))
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != 200 || string(b) != strconv.FormatInt(size, 10)+"\n" {
			return 0, fmt.Errorf("upload: status %d, %q", resp.StatusCode, b)
		}
		return size, nil
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && (resp.StatusCode != 200 || n != size) {
		err = fmt.Errorf("download: status %d, %d bytes", resp.StatusCode, n)
	}
	return n, err
}

// patterned is a body of left bytes that are not all the same, made
// without holding them in memory.
type patterned struct{ left, off int64 }

func (p *patterned) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.left))
	for i := range n {
		b[i] = byte('a' + (p.off+int64(i))%26)
	}
	p.left -= int64(n)
	p.off += int64(n)
	return n, nil
}

// percentile is the q-th (0..1) of the latencies (nearest rank), 0 for
// none.
func percentile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}
