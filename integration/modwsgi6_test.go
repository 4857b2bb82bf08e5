//go:build !windows

package integration

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

const interruptApp = `import os, sys, time
def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/spin':
        # Python code the whole time, so an injected exception lands.
        end = time.time() + 30
        while time.time() < end:
            time.sleep(0.01)
    body = ('pid=%d switch=%r' % (os.getpid(), sys.getswitchinterval())).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [body]
`

// Options of mod_wsgi 6 doing what they say, against a mod_wsgi 6 module
// (scripts/test runs the integration tests again with mod_wsgi 6.0.5); with
// an older module they are refused, naming the version they need.
func TestModWSGI6Options(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), interruptApp)
	args := []string{"app.wsgi", "--threads", "1", "--request-timeout", "1", "--interrupt-timeout", "10", "--switch-interval", "0.002"}
	if testenv.ModuleMajor(t) < 6 {
		out, code := testenv.Run(t, dir, append([]string{"setup-server", "--server-root", filepath.Join(dir, "root")}, args...)...)
		if code != 2 || !strings.Contains(out, "needs mod_wsgi 6.0") || !strings.Contains(out, testenv.ModuleVersion(t)) {
			t.Fatalf("with mod_wsgi %s: want exit status 2, a message saying mod_wsgi 6 is needed, got %d:\n%s", testenv.ModuleVersion(t), code, out)
		}
		return
	}
	s := testenv.Start(t, dir, args...)
	before := s.MustGet("/")
	if !strings.Contains(before, "switch=0.002") {
		t.Errorf("--switch-interval 0.002: the application sees %q", before)
	}
	// --request-timeout 1 with --interrupt-timeout: mod_wsgi raises
	// RequestTimeout in the request's thread, which answers 504 and goes
	// back to work in the same process.
	start := time.Now()
	code, body := s.Get("/spin")
	took := time.Since(start)
	if code != 504 || took > 10*time.Second {
		t.Errorf("a request past --request-timeout 1: status %d after %v (%q), want 504 within seconds\n%s", code, took.Round(time.Millisecond), body, s.ErrorLog())
	}
	if after := s.MustGet("/"); field2(after, "pid") != field2(before, "pid") {
		t.Errorf("the daemon process was replaced (%q, then %q): an interrupted request should leave it running", before, after)
	}
	stopClean(t, s)
}

// field2 is key's value in a "k=v k=v" body.
func field2(body, key string) string {
	for _, f := range strings.Fields(body) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}
