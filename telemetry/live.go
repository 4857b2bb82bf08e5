package telemetry

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"golang.org/x/term"
)

// Client reads the JSON API of a running ingester.
type Client struct {
	URL  string // the web UI, ending in "/" (State.URL)
	http *http.Client
}

// NewClient reads the ingester whose web UI is at url, giving up on a
// request after 2 seconds.
func NewClient(url string) *Client {
	return &Client{URL: url, http: &http.Client{Timeout: 2 * time.Second}}
}

// Snapshot reads GET URL/api/snapshot.
func (c *Client) Snapshot() (*Snapshot, error) {
	resp, err := c.http.Get(c.URL + "api/snapshot")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", c.URL+"api/snapshot", resp.Status)
	}
	var s Snapshot
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&s); err != nil {
		return nil, fmt.Errorf("reading %s: %v", c.URL+"api/snapshot", err)
	}
	return &s, nil
}

// Live is `mod_wsgi-express top`'s view: it shows c's snapshots on the
// terminal out (RenderTop), first at once and then every second, until q,
// Ctrl-C or Ctrl-D is typed on the terminal in, in ends, or a stop signal
// arrives; a window resize redraws. The terminal is in raw mode and on its
// alternate screen meanwhile, and left as it was.
func Live(in, out *os.File, c *Client, first *Snapshot) error {
	saved, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return fmt.Errorf("cannot put the terminal in raw mode: %v", err)
	}
	// The alternate screen keeps what the terminal showed before; the
	// cursor is hidden while the view is drawn.
	io.WriteString(out, "\x1b[?1049h\x1b[?25l"+ClearScreen)
	defer func() {
		io.WriteString(out, "\x1b[?25h\x1b[?1049l")
		term.Restore(int(in.Fd()), saved)
	}()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, liveSignals...)
	defer signal.Stop(sigs)
	keys := make(chan byte, 16)
	go readKeys(in, keys)
	v := &liveView{out: out, c: c, snap: first}
	v.draw()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case k, ok := <-keys:
			if !ok || k == 'q' || k == 'Q' || k == 3 || k == 4 { // Ctrl-C, Ctrl-D
				return nil
			}
		case sig := <-sigs:
			if !windowResized(sig) {
				return nil
			}
			v.draw()
		case <-tick.C:
			v.fetch()
			v.draw()
		}
	}
}

// readKeys sends what is typed on in to keys, and closes keys when in
// ends.
func readKeys(in io.Reader, keys chan<- byte) {
	buf := make([]byte, 64)
	for {
		n, err := in.Read(buf)
		for _, b := range buf[:n] {
			keys <- b
		}
		if err != nil {
			close(keys)
			return
		}
	}
}

// liveView is what Live shows: the last snapshot read, or why the last
// read failed.
type liveView struct {
	out      *os.File
	c        *Client
	snap     *Snapshot
	fetchErr error
}

func (v *liveView) fetch() {
	s, err := v.c.Snapshot()
	if err == nil {
		v.snap = s
	}
	v.fetchErr = err
}

func (v *liveView) draw() {
	w, h, err := term.GetSize(int(v.out.Fd()))
	if err != nil {
		w, h = 80, 24
	}
	if v.fetchErr != nil {
		msg := fmt.Sprintf("mod_wsgi-express top: cannot reach the telemetry at %s: %v; retrying (q quits)", v.c.URL, v.fetchErr)
		io.WriteString(v.out, ClearScreen+strings.TrimSpace(msg))
		return
	}
	io.WriteString(v.out, RenderTop(v.snap, w, h))
}
