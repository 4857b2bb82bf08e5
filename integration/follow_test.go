//go:build !windows

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// followApp raises on /boom and answers otherwise.
const followApp = `def application(environ, start_response):
    if environ['PATH_INFO'] == '/boom':
        raise RuntimeError('boom from the application')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'version one']
`

func init() {
	addSamples(map[string]optionSample{"quiet": {Args: []string{"--quiet"}}})
}

// On a terminal, what goes wrong after the start shows there, as a
// development server shows it: a request's traceback, a reload of the
// changed entry point and a reload that fails to import, each under one
// header line without Apache's prefix; --quiet turns it off, and without a
// terminal nothing changes (the error log has it all either way).
func TestTerminalShowsErrorsAfterStart(t *testing.T) {
	dir := testenv.Dir(t)
	app := testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), followApp)
	p := startOnPTY(t, dir, "app.wsgi")
	p.expect(t, "Server is ready", 60*time.Second)
	start := time.Now() // the start's own report window ended 12 s before this, at the latest
	status := func(path string) int {
		t.Helper()
		resp, err := httpClient.Get(fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path))
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, p.log)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := status("/boom"); code != 500 {
		t.Fatalf("GET /boom: %d, want 500", code)
	}
	p.expect(t, "an exception in a request (pid ", 10*time.Second)
	p.expect(t, "RuntimeError: boom from the application", 10*time.Second)
	if strings.Contains(p.log.String(), "[wsgi:error]") {
		t.Errorf("Apache's line prefix on the terminal:\n%s", p.log)
	}
	// A changed entry point is reloaded, and says so.
	testenv.WriteFile(t, app, strings.Replace(followApp, "version one", "version two", 1))
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(app, future, future)
	status("/")
	p.expect(t, "reloading (pid ", 10*time.Second)
	p.expect(t, "changed; restarting the daemon process", 10*time.Second)
	// After the start's own report window, a reload that fails to import
	// shows too, starting at the user's code.
	if wait := 13*time.Second - time.Since(start); wait > 0 {
		time.Sleep(wait)
	}
	testenv.WriteFile(t, app, "def application(environ, start_response)\n    pass\n")
	future = future.Add(2 * time.Second)
	os.Chtimes(app, future, future)
	status("/")
	status("/")
	p.expect(t, "the application failed to load (pid ", 15*time.Second)
	p.expect(t, "SyntaxError", 10*time.Second)
	p.tty.Write([]byte{3})
	p.waitExit(t, "Ctrl-C")
	if strings.Contains(p.log.String(), "handler.wsgi\", line") {
		t.Errorf("the handler's frame shown first:\n%s", p.log)
	}
}

func TestQuietAndNoTerminalShowNoErrors(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), followApp)
	p := startOnPTY(t, dir, "app.wsgi", "--quiet")
	p.expect(t, "Server is ready", 60*time.Second)
	s := testenv.Start(t, dir, "app.wsgi")
	for _, port := range []int{p.port, s.Port} {
		resp, err := httpClient.Get(fmt.Sprintf("http://127.0.0.1:%d/boom", port))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	waitFor(t, "the exception in the error log", func() bool { return strings.Contains(s.ErrorLog(), "boom from the application") }, s.ErrorLog)
	time.Sleep(2 * time.Second) // what would be shown, within the follower's interval
	p.tty.Write([]byte{3})
	p.waitExit(t, "Ctrl-C")
	if strings.Contains(p.log.String(), "boom from the application") {
		t.Errorf("--quiet: the exception reached the terminal:\n%s", p.log)
	}
	if strings.Contains(s.Output(), "boom from the application") {
		t.Errorf("without a terminal the exception reached the output:\n%s", s.Output())
	}
}
