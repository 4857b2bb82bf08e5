package supervisor

import (
	"bytes"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// apacheStdout is what Apache gets as its stdout: our own stdout file
// when there is one, so access lines written there (--log-to-terminal)
// cost no copy. With --log-to-terminal Apache opens /dev/stdout, which for
// a regular file (start-server > log 2>&1) is a new open file of its own
// that appends; our file is switched to appending too, or our writes,
// at our own offset, would overwrite Apache's lines. Anything else is
// copied through a pipe.
func apacheStdout(out io.Writer) io.Writer {
	f, ok := out.(*os.File)
	if !ok {
		return keepDraining{out}
	}
	fi, err := f.Stat()
	if err != nil {
		return keepDraining{out} // closed, say
	}
	if fi.Mode().IsRegular() {
		if err := setAppend(f); err != nil {
			return keepDraining{out}
		}
	}
	return f
}

func setAppend(f *os.File) error {
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(f.Fd(), unix.F_SETFL, flags|unix.O_APPEND)
	return err
}

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

func newPainter(s Streams) painter {
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
