package telemetry

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
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
	var s Snapshot
	if _, err := c.get("api/snapshot", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// liveFetch is what the live view reads each second: every view's data,
// so that a key switching views shows it at once.
var liveFetch = TopFetch{Phases: true, Events: true}

// Live is `mod_wsgi-express top`'s view: it shows c's data on the terminal
// out (RenderTopView), first at once and then every second, until q, Esc,
// Ctrl-C or Ctrl-D is typed on the terminal in, in ends, or a stop signal
// arrives; keys switch views, sorts and groups (topHelp), and a window
// resize redraws. The terminal is in raw mode and on its alternate screen
// meanwhile, and left as it was.
func Live(in, out *os.File, c *Client, first *TopData, st TopState) error {
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
	keys := make(chan []byte, 16)
	go readKeys(in, keys)
	st.Keys = true
	v := &liveView{out: out, c: c, data: first, st: st}
	v.draw()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	// One read at a time, in the background: keys stay answered while
	// the ingester is slow.
	type result struct {
		d   *TopData
		err error
	}
	fetched := make(chan result, 1)
	fetching := false
	for {
		select {
		case k, ok := <-keys:
			if !ok || v.key(k) {
				return nil
			}
			v.draw()
		case sig := <-sigs:
			if !windowResized(sig) {
				return nil
			}
			v.draw()
		case <-tick.C:
			if fetching || v.st.Paused {
				continue
			}
			fetching = true
			group := v.st.Group
			go func() {
				d, err := c.Top(liveFetch, group)
				fetched <- result{d, err}
			}()
		case r := <-fetched:
			fetching = false
			if r.err == nil {
				v.data = r.d
			}
			v.fetchErr = r.err
			v.draw()
		}
	}
}

// readKeys sends what each read of in gets to keys, and closes keys when
// in ends.
func readKeys(in io.Reader, keys chan<- []byte) {
	buf := make([]byte, 64)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			keys <- slices.Clone(buf[:n])
		}
		if err != nil {
			close(keys)
			return
		}
	}
}

// liveView is what Live shows: the last data read, or why the last read
// failed, as the viewer chose (st).
type liveView struct {
	out      *os.File
	c        *Client
	data     *TopData
	fetchErr error
	st       TopState
}

// key applies what one read of the terminal got, and reports whether it
// quits. An escape sequence (an arrow key) is skipped whole; Esc alone
// closes the help, or quits.
func (v *liveView) key(b []byte) (quit bool) {
	for i := 0; i < len(b); i++ {
		k := b[i]
		if k == 0x1b && i+1 < len(b) && (b[i+1] == '[' || b[i+1] == 'O') {
			i += 2
			for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
				i++
			}
			continue
		}
		if v.applyKey(k) {
			return true
		}
	}
	return false
}

func (v *liveView) applyKey(k byte) (quit bool) {
	st := &v.st
	switch k {
	case 'q', 'Q', 3, 4: // Ctrl-C, Ctrl-D
		return true
	case 0x1b:
		if !st.Help {
			return true
		}
		st.Help = false
	case '?', 'h':
		st.Help = !st.Help
	case '1', 'p':
		st.View = ViewProcesses
	case '2', 'l':
		st.View = ViewLatency
	case '3', 's':
		st.View = ViewSlow
	case '4', 'e':
		st.View = ViewEvents
	case '5', 't':
		st.View = ViewThreads
	case '\t':
		st.View = TopViews[(slices.Index(TopViews, st.View)+1)%len(TopViews)]
	case '>', '.', 'o':
		st.Sort = TopSortKeys[(slices.Index(TopSortKeys, st.Sort)+1)%len(TopSortKeys)]
	case '<', ',':
		st.Sort = TopSortKeys[(slices.Index(TopSortKeys, st.Sort)+len(TopSortKeys)-1)%len(TopSortKeys)]
	case 'g', 'f':
		st.Group = nextGroup(v.data, st.Group)
	case ' ':
		st.Paused = !st.Paused
	}
	return false
}

// nextGroup is the group after current in the snapshot's groups, "" (all)
// after the last.
func nextGroup(d *TopData, current string) string {
	if d == nil || d.Snapshot == nil {
		return ""
	}
	names := []string{""}
	for _, g := range d.Snapshot.Groups {
		names = append(names, g.Name)
	}
	return names[(slices.Index(names, current)+1)%len(names)]
}

func (v *liveView) draw() {
	w, h, err := term.GetSize(int(v.out.Fd()))
	if err != nil {
		w, h = 80, 24
	}
	if v.fetchErr != nil {
		msg := fmt.Sprintf("mod_wsgi-express top: cannot reach the telemetry at %s: %v; retrying (q quits)", v.c.URL, v.fetchErr)
		io.WriteString(v.out, ClearScreen+cleanText(strings.TrimSpace(msg), 4096))
		return
	}
	io.WriteString(v.out, RenderTopView(v.data, v.st, w, h))
}
