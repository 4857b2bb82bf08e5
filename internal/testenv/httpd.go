package testenv

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StartHTTPD runs Apache directly on a hand-written configuration (for
// tests of the directives this tool prints for people's own
// configurations): httpd -f conf -DFOREGROUND in its own process group and
// waits for port to answer. root is where the configuration keeps its
// error_log (ErrorLog "ROOT/error_log"). It is stopped, and checked to
// leave nothing behind, at cleanup.
func StartHTTPD(t testing.TB, httpd, conf, root string, port int) *Server {
	t.Helper()
	Integration(t)
	return startAndWait(t, exec.Command(httpd, "-f", conf, "-DFOREGROUND"), port, root, 30*time.Second, httpd+" -f "+filepath.Base(conf))
}
