package server

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

// follower shows on start-server's terminal what the error log gets once
// the server runs (express.LoggingPlan.Follow): an application's
// tracebacks, its reloads and their failures, crashes, and what the
// application writes to stderr, each event under one header line, without
// Apache's per-line prefix, coloured unless NO_COLOR. The error log keeps
// everything; nothing is shown twice, and nothing is lost when the log is
// rotated (--rotate-logs: the newest of ErrorLog.*) or Apache restarts.
type follower struct {
	path       string // the error log, or with rotating its prefix
	rotating   bool
	serverRoot string // whose handler.wsgi and runtime frames are left out
	out        io.Writer
	color      bool
	// quietUntil: load failures before then are the supervisor's to
	// report (its own start-up report), not shown again here.
	quietUntil time.Time

	file   string // the file being read
	offset int64
	ev     *event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// followInterval is how often the log is read: events reach the terminal
// within it, and an event's last line is awaited for as long.
const followInterval = 200 * time.Millisecond

func newFollower(path string, rotating bool, serverRoot string, out io.Writer, color bool, quietFor time.Duration) *follower {
	return &follower{path: path, rotating: rotating, serverRoot: serverRoot, out: out, color: color, quietUntil: time.Now().Add(quietFor)}
}

// Start notes where the log ends (what is there is an earlier run's) and
// follows it from there.
func (f *follower) Start() error {
	f.file = f.current()
	if fi, err := os.Stat(f.file); err == nil {
		f.offset = fi.Size()
	}
	f.stop, f.done = make(chan struct{}), make(chan struct{})
	go f.run()
	return nil
}

// Stop shows what is left and ends.
func (f *follower) Stop() {
	if f.stop == nil {
		return
	}
	f.once.Do(func() { close(f.stop) })
	<-f.done
}

func (f *follower) run() {
	defer close(f.done)
	for {
		select {
		case <-f.stop:
			f.read()
			f.flush()
			return
		case <-time.After(followInterval):
			if !f.read() {
				f.flush() // nothing new: the event is complete
			}
		}
	}
}

// current is the file Apache writes now: the error log, or the newest
// rotated one.
func (f *follower) current() string {
	if !f.rotating {
		return f.path
	}
	matches, _ := filepath.Glob(f.path + ".*")
	newest, newestTime := "", time.Time{}
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && !fi.ModTime().Before(newestTime) {
			newest, newestTime = m, fi.ModTime()
		}
	}
	return newest
}

// read shows the complete lines added since the last read, following a
// rotation to the new file once the old one is read to its end, and
// reports whether there were any.
func (f *follower) read() bool {
	got := false
	for {
		lines, end := readFrom(f.file, f.offset)
		if end < f.offset { // truncated or replaced: from its start
			f.offset = 0
			continue
		}
		f.offset = end
		for _, l := range lines {
			got = true
			f.line(l)
		}
		next := f.current()
		if next == f.file || next == "" {
			return got
		}
		f.file, f.offset = next, 0
	}
}

// readFrom returns the complete lines of path after offset and the offset
// after the last of them (the file's size when it shrank below offset).
func readFrom(path string, offset int64) ([]string, int64) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, offset
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.Size() < offset {
		return nil, fi.Size()
	}
	if _, err := fh.Seek(offset, io.SeekStart); err != nil {
		return nil, offset
	}
	var lines []string
	r := bufio.NewReaderSize(fh, 64*1024)
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			break // an incomplete last line waits for the next read
		}
		offset += int64(len(l))
		lines = append(lines, strings.TrimRight(l, "\r\n"))
	}
	return lines, offset
}

// An error log line as Apache 2.4 writes it by default:
// [time] [module:level] [pid N:tid M] [client A:P] message
var reLogLine = regexp.MustCompile(`^\[([^\]]+)\] \[([^:\]]*):([a-z0-9]+)\] \[pid (\d+)(?::tid (\d+))?\](?: \[client [^\]]+\])? ?(.*)$`)

// reModulePrefix is what mod_wsgi 6 puts before its messages: the client
// and the script ([remote A:P] [script PATH]).
var reModulePrefix = regexp.MustCompile(`^(\[(remote|script) [^\]]*\] )+`)

// event is consecutive lines of one process thread: a traceback, a reload
// notice, a crash, the application's output.
type event struct {
	key    string // pid:tid
	when   string // hh:mm:ss
	pid    string
	header string
	lines  []string
	// startup: a load failure or a crash, which the supervisor reports
	// itself in the first seconds (quietUntil).
	startup bool
}

// line adds one log line to the event it belongs to.
func (f *follower) line(l string) {
	m := reLogLine.FindStringSubmatch(l)
	if m == nil {
		// Another --error-log-format, or a continuation: shown as it is.
		if f.ev != nil {
			f.ev.lines = append(f.ev.lines, l)
			return
		}
		f.show(&event{lines: []string{l}})
		return
	}
	module, level, pid, msg := m[2], m[3], m[4], reModulePrefix.ReplaceAllString(m[6], "")
	if !shown(module, level, msg) {
		return
	}
	key := pid + ":" + m[5]
	// mod_wsgi 6 follows a load failure with the exception's own report:
	// one event.
	sameFailure := f.ev != nil && f.ev.startup && requestException(msg)
	if f.ev != nil && (f.ev.key != key || startsEvent(msg) && !sameFailure) {
		f.flush()
	}
	if f.ev == nil {
		f.ev = &event{key: key, when: clock(m[1]), pid: pid, header: headerFor(module, msg)}
	}
	f.ev.startup = f.ev.startup || isLoadFailure(msg) || strings.Contains(msg, "AH00052")
	f.ev.lines = append(f.ev.lines, msg)
}

// shown reports whether a line is for the terminal: what mod_wsgi and
// the application write, and Apache's errors; not Apache's notices of its
// own start, stop and restarts.
func shown(module, level, msg string) bool {
	if strings.HasPrefix(module, "wsgi") {
		return true
	}
	switch level {
	case "emerg", "alert", "crit", "error":
		return true
	case "warn", "warning":
		return !strings.Contains(msg, "AH00098") // pid file overwritten
	}
	return false
}

// startsEvent reports whether a message begins an event of its own even
// from the thread of the one before.
func startsEvent(msg string) bool {
	return requestException(msg) ||
		isLoadFailure(msg) || strings.HasPrefix(msg, "mod_wsgi-express: ")
}

// requestException is mod_wsgi's first line for an exception a request
// raised: 4.x's, and 6.x's naming the exception.
func requestException(msg string) bool {
	return strings.Contains(msg, "Exception occurred processing WSGI script") ||
		strings.Contains(msg, "exception raised processing WSGI script")
}

func isLoadFailure(msg string) bool {
	return strings.Contains(msg, "Failed to exec Python script file") ||
		strings.Contains(msg, "Unable to execute Python script file") ||
		strings.Contains(msg, "exception raised when doing exec of Python script file")
}

// headerFor names an event by its first message.
func headerFor(module, msg string) string {
	switch {
	case strings.Contains(msg, "exception raised processing WSGI script") && strings.Contains(msg, "handler.wsgi'"):
		return "the application failed to load"
	case requestException(msg):
		return "an exception in a request"
	case isLoadFailure(msg):
		return "the application failed to load"
	case strings.Contains(msg, "changed; restarting"):
		return "reloading"
	case strings.Contains(msg, "AH00052") || strings.Contains(msg, "exit signal"):
		return "a server process crashed"
	case strings.HasPrefix(module, "wsgi"):
		return "the application wrote"
	}
	return "Apache"
}

// clock is the hh:mm:ss of Apache's time stamp (Sun Dec 06 10:42:38.024196 2026).
func clock(ts string) string {
	if f := strings.Fields(ts); len(f) >= 4 {
		if t, _, ok := strings.Cut(f[3], "."); ok {
			return t
		}
		return f[3]
	}
	return ts
}

// flush shows the event being gathered.
func (f *follower) flush() {
	if f.ev == nil {
		return
	}
	ev := f.ev
	f.ev = nil
	if ev.startup && time.Now().Before(f.quietUntil) {
		return
	}
	f.show(ev)
}

func (f *follower) show(ev *event) {
	var b strings.Builder
	if ev.header != "" {
		b.WriteString(f.paint("36", fmt.Sprintf("[%s] %s (pid %s):", ev.when, ev.header, ev.pid)) + "\n")
	}
	// The loader's frames left out: the user's code comes first.
	lines := supervisor.WithoutLoaderFrames(ev.lines, f.serverRoot)
	for i, l := range lines {
		if i == len(lines)-1 && ev.header != "" && ev.header != "the application wrote" && ev.header != "reloading" {
			l = f.paint("31", l) // the exception, or the crash
		}
		b.WriteString("  " + l + "\n")
	}
	io.WriteString(f.out, b.String())
}

func (f *follower) paint(code, s string) string {
	if !f.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
