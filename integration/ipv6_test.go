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
)

// --host with an IPv6 address: Apache listens on it (in brackets), its
// ServerName is localhost (Apache takes no IPv6 address there), the
// summary's URL has brackets, and the application answers on [::1] and not
// on 127.0.0.1.
func TestIPv6Host(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	app := testenv.WriteFile(t, filepath.Join(dir, "hello.wsgi"), `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["SERVER_NAME"].encode() + b" " + environ["REMOTE_ADDR"].encode()]
`)
	port := testenv.FreePort(t)
	root := filepath.Join(dir, "root")
	cmd := testenv.Command(t, dir, "start-server", app, "--host", "::1", "--port", strconv.Itoa(port), "--server-root", root)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("start-server did not stop within 20s")
		}
		testenv.AssertNoProcesses(t, cmd.Process.Pid, root)
	}()
	url := fmt.Sprintf("http://[::1]:%d/", port)
	var body string
	if msg := testenv.Eventually(30*time.Second, func() string {
		select {
		case err := <-done:
			t.Fatalf("start-server exited: %v\n%s", err, out.String())
		default:
		}
		resp, err := http.Get(url)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		if resp.StatusCode != 200 {
			return fmt.Sprintf("status %d", resp.StatusCode)
		}
		return ""
	}); msg != "" {
		b, _ := os.ReadFile(filepath.Join(root, "error_log"))
		t.Fatalf("GET %s: %s\n%s\n%s", url, msg, out.String(), b)
	}
	if body != "[::1] ::1" && body != "::1 ::1" {
		t.Errorf("SERVER_NAME and REMOTE_ADDR: %q", body)
	}
	testenv.ConfigTest(t, root)
	conf, _ := os.ReadFile(filepath.Join(root, "httpd.conf"))
	for _, want := range []string{fmt.Sprintf("Listen [::1]:%d", port), fmt.Sprintf(`ServerName "localhost:%d"`, port)} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("httpd.conf lacks %s", want)
		}
	}
	// Said once the application has loaded, after the port answers.
	if msg := testenv.Eventually(30*time.Second, func() string {
		if !strings.Contains(out.String(), "Server is ready at "+url) {
			return "no ready line"
		}
		return ""
	}); msg != "" {
		t.Errorf("summary lacks the bracketed URL %s:\n%s", url, out.String())
	}
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err == nil {
		t.Errorf("answers on 127.0.0.1 too, though --host is ::1")
	}
}
