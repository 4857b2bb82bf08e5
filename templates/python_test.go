package templates

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPythonRuntime runs the Python unit tests of the runtime with the
// Python mod_wsgi uses (Debian's /usr/bin/python3 when present).
func TestPythonRuntime(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := exec.LookPath(py); err != nil {
		py = "python3"
	}
	// Read the Python sources here so go test's cache notices when they
	// change (it cannot see what the Python subprocess reads).
	filepath.WalkDir("python", func(p string, d fs.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".py" {
			os.ReadFile(p)
		}
		return nil
	})
	cmd := exec.Command(py, "-m", "unittest", "-v", "test_express_runtime", "test_express_debug")
	cmd.Dir = "python"
	cmd.Env = append(cmd.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python unit tests failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "OK") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	t.Logf("%s", out)
}
