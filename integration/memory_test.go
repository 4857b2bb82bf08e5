//go:build linux

package integration

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// pssKiB reads a process's proportional set size from smaps_rollup.
func pssKiB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("smaps_rollup: %q", line)
			}
			return n
		}
	}
	t.Fatalf("no Pss in smaps_rollup of %d", pid)
	return 0
}

// TestStartServerGivesBackStartupMemory: start-server stays Apache's
// parent for as long as the server runs; what start-up needed (the
// executable's pages it used, the heap's free pages) is given back 15 s
// after "ready" (supervisor/trim_linux.go). Measured: 17 MiB of PSS, then
// under 6.
func TestStartServerGivesBackStartupMemory(t *testing.T) {
	dir := testenv.Dir(t)
	app := testenv.WriteFile(t, dir+"/app.wsgi", helloApp)
	s := testenv.Start(t, dir, app)
	if !s.WaitOutput("Server is ready", 30*time.Second) {
		t.Fatalf("no ready line:\n%s", s.Output())
	}
	pid := s.Cmd.Process.Pid
	before := pssKiB(t, pid)
	var after int
	msg := testenv.Eventually(30*time.Second, func() string {
		after = pssKiB(t, pid)
		if after > before/2 {
			return fmt.Sprintf("start-server's PSS %d KiB at ready, %d KiB now; want at most half", before, after)
		}
		return ""
	})
	if msg != "" {
		t.Fatal(msg)
	}
	t.Logf("start-server PSS: %d KiB at ready, %d KiB once trimmed", before, after)
	// The command goes on watching: a request, then a clean stop (the
	// cleanup checks nothing is left).
	for i := 0; i < 20; i++ {
		if got := s.MustGet("/"); !strings.HasPrefix(got, "hello from") {
			t.Fatalf("request %d after trimming: %q", i, got)
		}
	}
}
