//go:build !windows

package supervisor

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// A startup failure shows only the error-log lines written since the
// start, and one reason line.
func TestExplainFailureShowsNewLogLines(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "error_log")
	os.WriteFile(log, []byte("old line from an earlier run\n"), 0o600)
	offset := fileSize(log)
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("[ssl:emerg] AH02572: Failed to configure at least one certificate and key\n[ssl:emerg] SSL Library Error: certificate routines\n")
	f.Close()
	p := &express.Plan{Paths: express.PathsPlan{Apachectl: "/r/apachectl"}}
	var errOut bytes.Buffer
	err := explainFailure(p, iostreams.IOStreams{Err: &errOut}, log, offset, 1, "")
	out := errOut.String()
	if strings.Contains(out, "old line") {
		t.Errorf("printed a line from before the start:\n%s", out)
	}
	if !strings.Contains(out, "AH02572") || !strings.Contains(out, "SSL Library Error") {
		t.Errorf("new lines missing:\n%s", out)
	}
	re, ok := err.(*fault.RuntimeError)
	if !ok || !strings.Contains(re.Msg, "exit status 1") || !strings.Contains(re.Msg, "certificate or key") {
		t.Errorf("reason: %v", err)
	}
	if strings.Contains(re.Msg, "\n") {
		t.Errorf("reason is more than one line: %q", re.Msg)
	}
}

func TestFailureReasons(t *testing.T) {
	p := &express.Plan{Paths: express.PathsPlan{Apachectl: "/r/apachectl"}, Network: express.NetworkPlan{Listen: "127.0.0.1:80", Port: 80}}
	for log, want := range map[string]string{
		"(98)Address already in use: AH00072: make_sock: could not bind": "port 80 is already in use",
		"(13)Permission denied: AH00072: make_sock: could not bind":      "ports below 1024",
		"Cannot load /x.so into server: undefined symbol":                "a module would not load",
		"AH00526: Syntax error on line 3":                                "configtest",
		"":                                                               "Apache's messages above",
	} {
		if got := failureReason(p, log); !strings.Contains(got, want) {
			t.Errorf("%q: reason %q lacks %q", log, got, want)
		}
	}
}

// A pid file is removed unless it names a live Apache of this
// configuration.
func TestClearStalePidFile(t *testing.T) {
	dir := t.TempDir()
	p := &express.Plan{Paths: express.PathsPlan{PidFile: filepath.Join(dir, "httpd.pid"), ConfigFile: filepath.Join(dir, "httpd.conf"), ServerRoot: dir, Apachectl: "x"}}
	if err := ClearStalePidFile(p); err != nil {
		t.Fatalf("no pid file: %v", err)
	}
	// This test process: alive, but not Apache.
	os.WriteFile(p.Paths.PidFile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o600)
	if err := ClearStalePidFile(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Paths.PidFile); !os.IsNotExist(err) {
		t.Error("pid file of an unrelated process was kept")
	}
	os.WriteFile(p.Paths.PidFile, []byte("garbage"), 0o600)
	if err := ClearStalePidFile(p); err != nil {
		t.Fatal(err)
	}
	// A live process running with -f CONF is this server: refused.
	// (sh with "-f CONF" as its arguments; "; true" keeps sh from
	// replacing itself with sleep).
	cmd := exec.Command("/bin/sh", "-c", "sleep 30; true", "sh", "-f", p.Paths.ConfigFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; i < 200 && !pidRunsConfig(cmd.Process.Pid, p.Paths.ConfigFile); i++ {
		time.Sleep(10 * time.Millisecond) // until the child has exec'd sh
	}
	os.WriteFile(p.Paths.PidFile, []byte(fmt.Sprintf("%d\n", cmd.Process.Pid)), 0o600)
	err := ClearStalePidFile(p)
	if err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("live server not detected: %v", err)
	}
}

func TestColourOnlyOnTerminalWithoutNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if got := newPainter(iostreams.IOStreams{IsTerminal: false}).paint(green, "x"); got != "x" {
		t.Errorf("colour without a terminal: %q", got)
	}
	if got := newPainter(iostreams.IOStreams{IsTerminal: true}).paint(green, "x"); got != "\x1b[32mx\x1b[0m" {
		t.Errorf("no colour on a terminal: %q", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := newPainter(iostreams.IOStreams{IsTerminal: true}).paint(green, "x"); got != "x" {
		t.Errorf("colour with NO_COLOR: %q", got)
	}
}

// The access log leaves out start-server's readiness check, matched by the
// User-Agent the readiness check sends.
func TestAccessLogSkipsStartupCheck(t *testing.T) {
	b, err := os.ReadFile("../templates/testdata/golden/module-processes.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "%{HTTP_USER_AGENT} == '"+StartupCheckAgent+"'") {
		t.Errorf("the CustomLog condition does not match the User-Agent %q", StartupCheckAgent)
	}
}

// The messages mod_wsgi 4.x and 6.x log when the application fails to
// load, or exits, at import are load failures; a request's error is not.
func TestIsLoadFailure(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{"[wsgi:error] [pid 7] mod_wsgi (pid=7): Failed to exec Python script file '/srv/root/handler.wsgi'.", true},
		{"[wsgi:error] [pid 7] WSGI0110: mod_wsgi (pid=7): Unable to execute Python script file '/srv/root/handler.wsgi'.", true},
		{"[wsgi:error] [pid 7] mod_wsgi (pid=7): SystemExit exception raised when doing exec of Python script file '/srv/root/handler.wsgi'.", true},
		{"[wsgi:error] [pid 7] mod_wsgi (pid=7): Exception occurred processing WSGI script '/srv/root/handler.wsgi'.", false},
	} {
		if got := isLoadFailure(c.line); got != c.want {
			t.Errorf("isLoadFailure(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}

// A load failure's traceback starts at the user's code: the handler
// script's re-raise is left out of what the command prints.
func TestWithoutHandlerFrames(t *testing.T) {
	lines := []string{
		"[wsgi:error] Traceback (most recent call last):",
		`[wsgi:error]   File "/srv/root/handler.wsgi", line 29, in <module>`,
		"[wsgi:error]     raise _error.with_traceback(",
		`[wsgi:error]   File "/srv/app/app.wsgi", line 1, in <module>`,
		"[wsgi:error]     import nothing",
		"[wsgi:error] ModuleNotFoundError: No module named 'nothing'",
	}
	got := WithoutLoaderFrames(lines, "/srv/root")
	want := []string{lines[0], lines[3], lines[4], lines[5]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := WithoutLoaderFrames(lines, ""); len(got) != len(lines) {
		t.Errorf("without a handler path, lines dropped: %q", got)
	}
}

// A request's traceback starts at the user's code too: the runtime's
// call of the application, with Python 3.11's ^^^ line, is left out.
func TestWithoutRuntimeFrames(t *testing.T) {
	lines := []string{
		"Traceback (most recent call last):",
		`  File "/srv/root/express_runtime.py", line 363, in __call__`,
		"    return self.application(environ, start_response)",
		"           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
		`  File "/srv/app/app.wsgi", line 3, in application`,
		"    raise RuntimeError('boom')",
		"RuntimeError: boom",
	}
	got := WithoutLoaderFrames(lines, "/srv/root")
	want := []string{lines[0], lines[4], lines[5], lines[6]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
