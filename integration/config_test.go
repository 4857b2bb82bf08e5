package integration

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// Options from a config file and the environment reach the running
// server: a flag (testenv's --port) beats the environment and the file, the
// environment beats the file, and the file beats the default.
func TestConfigFileAndEnvironment(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	testenv.WriteFile(t, filepath.Join(dir, "site.toml"), `
port = 1
mount-point = "/from-file"
threads = 3
setenv = [["FOO", "from file"], ["BAR", "also from file"]]
`)
	t.Setenv("MOD_WSGI_EXPRESS_PORT", "2")
	t.Setenv("MOD_WSGI_EXPRESS_MOUNT_POINT", "/from-env")
	s := testenv.Start(t, dir, "app.wsgi", "--config", "site.toml")
	testenv.ConfigTest(t, s.Root)
	body := s.MustGet("/from-env/x")
	for k, want := range map[string]string{"SCRIPT_NAME": "/from-env", "PATH_INFO": "/x", "FOO": "from file", "BAR": "also from file"} {
		if got := field(body, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(s.Output(), "(1 process * 3 threads)") {
		t.Errorf("threads from the file not used:\n%s", s.Output())
	}
	s.Stop(syscall.SIGTERM)
}

// A key that is no option stops the command with status 2 naming it.
func TestConfigUnknownKey(t *testing.T) {
	testenv.Integration(t)
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "site.yaml"), "port: 8080\nproceses: 2\n")
	out, code := testenv.Run(t, dir, "setup-server", "--config", "site.yaml", "--server-root", filepath.Join(dir, "root"))
	if code != 2 || !strings.Contains(out, `unknown option "proceses"`) || !strings.Contains(out, "site.yaml") {
		t.Errorf("exit status %d, output:\n%s", code, out)
	}
}
