package supervisor

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// waitReady polls the port until Apache answers an HTTP request, stop
// closes, or the timeout passes. A connection alone is not enough: Apache
// listens before it writes its pid file and starts its children, and may
// still fail in between. "OPTIONS *" is answered by Apache itself, not by
// the application, so a slow application start does not delay readiness.
// The access log leaves it out (httpd.conf.tmpl matches its User-Agent).
func waitReady(p *express.Plan, timeout time.Duration, stop <-chan struct{}) bool {
	host := cmp.Or(p.Network.Host, "127.0.0.1")
	addr := net.JoinHostPort(host, fmt.Sprint(p.Network.Port))
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if Answers(addr) {
			return true
		}
		select {
		case <-stop:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// waitFile reports on the returned channel when path exists, polling until
// stop closes.
func waitFile(path string, stop <-chan struct{}) <-chan bool {
	out := make(chan bool, 1)
	go func() {
		for {
			if _, err := os.Stat(path); err == nil {
				out <- true
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return out
}

// StartupCheckAgent is the User-Agent of the readiness check; httpd.conf
// keeps requests with it out of the access log.
const StartupCheckAgent = "mod_wsgi-express startup check"

// Answers reports whether an HTTP server at addr answers "OPTIONS *"
// within half a second with a status line: start-server's readiness check,
// which tests use too.
func Answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := io.WriteString(c, "OPTIONS * HTTP/1.0\r\nUser-Agent: "+StartupCheckAgent+"\r\n\r\n"); err != nil {
		return false
	}
	buf := make([]byte, 5)
	_, err = io.ReadFull(c, buf)
	return err == nil && string(buf) == "HTTP/"
}

// What mod_wsgi logs when the handler script, which loads the
// application, raises (appLoadFailure) or calls sys.exit at import
// (appLoadExit), and what Apache logs when one of its processes, a daemon
// running the application included, is killed by a signal (a crash).
const (
	appLoadFailure  = "Failed to exec Python script file"    // mod_wsgi 4 and 5
	appLoadFailure6 = "Unable to execute Python script file" // mod_wsgi 6 (WSGI0109, WSGI0110)
	appLoadExit     = "exception raised when doing exec of Python script file"
	processCrash    = "AH00052: child pid "
)

// loadProblem is what watchAppLoad found: the log lines and whether a
// process crashed (rather than the application raising).
type loadProblem struct {
	crash bool
	lines []string
}

func isLoadFailure(l string) bool {
	return strings.Contains(l, appLoadFailure) || strings.Contains(l, appLoadFailure6) || strings.Contains(l, appLoadExit)
}

// watchAppLoad follows the error log for a while after the start and
// sends the first application load failure (mod_wsgi's message and the
// traceback after it) or process crash it sees. In daemon mode neither
// stops Apache: mod_wsgi retries on each request, which answers 500, and
// Apache restarts a crashed daemon, which may crash again.
func watchAppLoad(logFile string, offset int64, stop <-chan struct{}) <-chan loadProblem {
	out := make(chan loadProblem, 1)
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		var got []string
		crash := false
		settle := time.Time{}
		for time.Now().Before(deadline) {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			lines := newLines(logFile, offset)
			got, crash = nil, false
			for i, l := range lines {
				if isLoadFailure(l) {
					got = lines[i:]
					// Only the first failure: up to the next one.
					for j := 1; j < len(got); j++ {
						if isLoadFailure(got[j]) {
							got = got[:j]
							break
						}
					}
					break
				}
				if strings.Contains(l, processCrash) && strings.Contains(l, "exit signal") {
					got, crash = []string{l}, true
					break
				}
			}
			if got != nil {
				// Let the whole traceback arrive, then send it.
				if settle.IsZero() {
					settle = time.Now().Add(300 * time.Millisecond)
				} else if time.Now().After(settle) {
					break
				}
			}
		}
		if got != nil {
			if !crash {
				got = wsgiErrorLines(got)
			}
			out <- loadProblem{crash: crash, lines: got}
		}
	}()
	return out
}

// WithoutLoaderFrames drops from a traceback (error log lines, with or
// without Apache's prefix) the frames of the server root's files that load
// and wrap the application: handler.wsgi, which re-raises what the
// application raised at import, and express_runtime.py, which calls it;
// each frame is its File line, its source line and Python's ^^^ marks
// under it. The user's own code comes first; the error log keeps every
// line.
func WithoutLoaderFrames(lines []string, serverRoot string) []string {
	if serverRoot == "" {
		return lines
	}
	var marks []string
	for _, name := range []string{"handler.wsgi", "express_runtime.py"} {
		marks = append(marks, `File "`+filepath.Join(serverRoot, name)+`", line `)
	}
	var out []string
	for i := 0; i < len(lines); i++ {
		if !containsAny(lines[i], marks) {
			out = append(out, lines[i])
			continue
		}
		i++ // its source line
		if i+1 < len(lines) && reCarets.MatchString(lines[i+1]) {
			i++
		}
	}
	return out
}

// reCarets is the line of ^ (and ~) Python puts under a frame's source.
var reCarets = regexp.MustCompile(`(^|\])\s*[\^~]+\s*$`)

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// wsgiErrorLines keeps mod_wsgi's lines (the message and traceback),
// stopping at 60.
func wsgiErrorLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, ":error]") || strings.Contains(l, "[wsgi:") {
			out = append(out, l)
		}
		if len(out) == 60 {
			break
		}
	}
	return out
}

func fileSize(path string) int64 {
	if path == "" {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// newLines returns the complete lines of path after offset.
func newLines(path string, offset int64) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < offset {
		offset = 0 // the log was replaced
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
