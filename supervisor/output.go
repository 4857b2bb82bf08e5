package supervisor

import (
	"bytes"
	"io"
	"os"
	"sync"

	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// keepDraining writes to w and reports success whatever happens, so the
// copy of a child's output keeps reading it.
type keepDraining struct{ w io.Writer }

func (k keepDraining) Write(p []byte) (int, error) {
	k.w.Write(p)
	return len(p), nil
}

// Colours, only on a terminal (stdout: stderr may be a file, so it gets
// none) and never with NO_COLOR set.
const (
	green  = "32"
	yellow = "33"
)

type painter struct{ on bool }

func newPainter(s iostreams.IOStreams) painter {
	return painter{on: s.IsTerminal && os.Getenv("NO_COLOR") == ""}
}

func (c painter) paint(code, text string) string {
	if !c.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *headWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
