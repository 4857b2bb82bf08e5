// Package python holds the Django app for runmodwsgi; this test runs its
// Python unit tests as part of go test ./...
package python

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestPythonUnitTests(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := exec.LookPath(py); err != nil {
		py = "python3"
	}
	// Read the Python sources here so go test's cache notices when they
	// change (it cannot see what the Python subprocess reads).
	filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".py" {
			os.ReadFile(p)
		}
		return nil
	})
	cmd := exec.Command(py, "-m", "unittest", "-v", "test_express")
	cmd.Env = append(cmd.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python unit tests failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
