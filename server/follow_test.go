package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		f.WriteString(l + "\n")
	}
}

const (
	pre1 = "[Sun Dec 06 10:42:38.024196 2026] [wsgi:error] [pid 4456:tid 140] [client 127.0.0.1:5555] "
	pre2 = "[Sun Dec 06 10:42:39.000001 2026] [wsgi:error] [pid 4457:tid 141] "
)

// What the error log gets after the start reaches the terminal, an event
// under one header, without Apache's prefix; what was there before, and
// Apache's notices, do not.
func TestFollowerShowsEvents(t *testing.T) {
	log := filepath.Join(t.TempDir(), "error_log")
	appendLines(t, log, pre1+"an earlier run's line")
	var out testenv.SyncBuffer
	f := newFollower(log, false, "/srv/root", &out, false, 0)
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	appendLines(t, log,
		"[Sun Dec 06 10:42:37.000000 2026] [mpm_worker:notice] [pid 1:tid 1] AH00292: Apache/2.4 configured -- resuming normal operations",
		pre1+"mod_wsgi (pid=4456): Exception occurred processing WSGI script '/srv/root/handler.wsgi'.",
		pre1+"Traceback (most recent call last):",
		pre1+`  File "/srv/app/app.py", line 3, in application`,
		pre1+"    raise RuntimeError('boom')",
		pre1+"RuntimeError: boom",
		pre2+"mod_wsgi-express: /srv/app/app.py changed; restarting the daemon process",
	)
	time.Sleep(3 * followInterval)
	appendLines(t, log, pre2+"partial line without its newline")
	f.Stop()
	got := out.String()
	for _, want := range []string{
		"[10:42:38] an exception in a request (pid 4456):\n  mod_wsgi (pid=4456): Exception occurred",
		"\n  Traceback (most recent call last):\n    File \"/srv/app/app.py\", line 3, in application\n      raise RuntimeError('boom')\n  RuntimeError: boom\n",
		"[10:42:39] reloading (pid 4457):\n  mod_wsgi-express: /srv/app/app.py changed; restarting the daemon process\n",
		"[10:42:39] the application wrote (pid 4457):\n  partial line without its newline\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"earlier run", "resuming normal operations", "[wsgi:error]", "[client"} {
		if strings.Contains(got, not) {
			t.Errorf("output shows %q:\n%s", not, got)
		}
	}
}

// A load failure or crash in the first seconds is the supervisor's to
// report; later (a reload that fails to import) it is shown, without the
// handler script's frame.
func TestFollowerLoadFailures(t *testing.T) {
	log := filepath.Join(t.TempDir(), "error_log")
	failure := []string{
		pre1 + "mod_wsgi (pid=4456): Failed to exec Python script file '/srv/root/handler.wsgi'.",
		pre1 + "Traceback (most recent call last):",
		pre1 + `  File "/srv/root/handler.wsgi", line 29, in <module>`,
		pre1 + "    raise _error.with_traceback(",
		pre1 + `  File "/srv/app/app.py", line 1`,
		pre1 + "SyntaxError: invalid syntax",
	}
	var out testenv.SyncBuffer
	f := newFollower(log, false, "/srv/root", &out, false, time.Hour)
	f.Start()
	appendLines(t, log, failure...)
	f.Stop()
	if out.String() != "" {
		t.Errorf("a load failure at the start shown again:\n%s", out.String())
	}
	out = testenv.SyncBuffer{}
	f = newFollower(log, false, "/srv/root", &out, true, 0)
	f.Start()
	appendLines(t, log, failure...)
	f.Stop()
	got := out.String()
	if !strings.Contains(got, "the application failed to load (pid 4456):") || !strings.Contains(got, "\x1b[31mSyntaxError: invalid syntax\x1b[0m") {
		t.Errorf("a later load failure, coloured:\n%q", got)
	}
	if strings.Contains(got, "handler.wsgi\", line") {
		t.Errorf("the handler's frame is shown:\n%s", got)
	}
}

// With --rotate-logs the newest ErrorLog.* is followed, and a rotation
// loses and repeats nothing.
func TestFollowerRotation(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "error_log")
	first := prefix + ".2026-12-06-10_00_00"
	appendLines(t, first, pre1+"before the start")
	old := time.Now().Add(-time.Minute)
	os.Chtimes(first, old, old)
	var out testenv.SyncBuffer
	f := newFollower(prefix, true, "/srv/root", &out, false, 0)
	f.Start()
	appendLines(t, first, pre1+"one")
	second := prefix + ".2026-12-06-11_00_00"
	appendLines(t, second, pre2+"two")
	time.Sleep(3 * followInterval)
	appendLines(t, second, pre2+"three")
	f.Stop()
	got := out.String()
	if strings.Count(got, "  one\n") != 1 || strings.Count(got, "  two\n") != 1 || strings.Count(got, "  three\n") != 1 || strings.Contains(got, "before the start") {
		t.Errorf("across the rotation:\n%s", got)
	}
}

// mod_wsgi 6's lines: the client and script before the message, and a
// load failure followed by the exception's report, one event.
func TestFollowerModWSGI6(t *testing.T) {
	log := filepath.Join(t.TempDir(), "error_log")
	var out testenv.SyncBuffer
	f := newFollower(log, false, "/srv/root", &out, false, 0)
	f.Start()
	appendLines(t, log,
		pre1+"[remote 127.0.0.1:46462] [script /srv/root/htdocs/] WSGI0109: Unable to execute Python script file '/srv/root/handler.wsgi'.",
		pre1+"[remote 127.0.0.1:46462] WSGI0174: [script /srv/root/htdocs/] SyntaxError exception raised processing WSGI script '/srv/root/handler.wsgi' for main interpreter.",
		pre1+"[remote 127.0.0.1:46462] Traceback (most recent call last):",
		pre1+`[remote 127.0.0.1:46462]   File "/srv/root/handler.wsgi", line 29, in <module>`,
		pre1+"[remote 127.0.0.1:46462]     raise _error.with_traceback(",
		pre1+`[remote 127.0.0.1:46462]   File "/srv/app/app.wsgi", line 1`,
		pre1+"[remote 127.0.0.1:46462] SyntaxError: expected ':'",
	)
	f.Stop()
	got := out.String()
	want := "[10:42:38] the application failed to load (pid 4456):\n" +
		"  WSGI0109: Unable to execute Python script file '/srv/root/handler.wsgi'.\n" +
		"  WSGI0174: [script /srv/root/htdocs/] SyntaxError exception raised processing WSGI script '/srv/root/handler.wsgi' for main interpreter.\n" +
		"  Traceback (most recent call last):\n" +
		"    File \"/srv/app/app.wsgi\", line 1\n" +
		"  SyntaxError: expected ':'\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
