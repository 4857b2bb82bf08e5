//go:build !windows

package integration

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

// start-server --log-to-terminal > file 2>&1, as CI jobs run it: Apache's
// error and access log lines and the command's own lines all reach the
// file, none overwriting another.
func TestLogToTerminalRedirectedToFile(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), `import sys
def application(environ, start_response):
    sys.stderr.write('APP-LINE %s\n' % environ['QUERY_STRING'])
    sys.stderr.flush()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok']
`)
	logPath := filepath.Join(dir, "server.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	port := testenv.FreePort(t)
	root := filepath.Join(dir, "root")
	cmd := testenv.Command(t, dir, "start-server", "app.wsgi", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--server-root", root, "--log-to-terminal", "--access-log")
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		testenv.AssertNoProcesses(t, 0, root)
	})
	if msg := testenv.Eventually(30*time.Second, func() string {
		if !supervisor.Answers(fmt.Sprintf("127.0.0.1:%d", port)) {
			return "server not answering"
		}
		return ""
	}); msg != "" {
		out, _ := os.ReadFile(logPath)
		t.Fatalf("%s\n%s", msg, out)
	}
	const n = 20
	for i := 1; i <= n; i++ {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/?n=%d", port, i))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	// Let the last lines arrive, then stop the server.
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("start-server still running 30s after SIGTERM")
	}
	data, _ := os.ReadFile(logPath)
	out := string(data)
	for i := 1; i <= n; i++ {
		for _, want := range []string{fmt.Sprintf("APP-LINE n=%d\n", i), fmt.Sprintf(`"GET /?n=%d HTTP/1.1" 200`, i)} {
			if !strings.Contains(out, want) {
				t.Errorf("the file lacks %q", want)
			}
		}
	}
	for _, want := range []string{"Server URL", "Server is ready at"} {
		if !strings.Contains(out, want) {
			t.Errorf("the file lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("file:\n%s", out)
	}
}
