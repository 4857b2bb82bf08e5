//go:build !windows

package testenv

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without a built virtualenv and without the source distribution, the
// build fails naming where it looked (PyExpress turns that into a test
// failure, not a skip).
func TestBuildPyExpressWithoutSdist(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache")
	t.Setenv(CacheEnv, cache)
	missing := filepath.Join(t.TempDir(), "shared", "vendor", "mod_wsgi-"+PyExpressVersion+".tar.gz")
	_, err := BuildPyExpress([]string{missing}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "source distribution is missing") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("BuildPyExpress without an sdist: %v, want an error naming %s", err, missing)
	}
	if _, err := os.Stat(filepath.Join(cache, ".lock")); err != nil {
		t.Errorf("no lock file in the cache: %v", err)
	}
}

// A cache directory other accounts can write to is refused: Apache, as
// root, would load a module from it.
func TestBuildPyExpressRefusesWritableCache(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cache, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Setenv(CacheEnv, cache)
	_, err := BuildPyExpress(nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "writable by other accounts") || !strings.Contains(err.Error(), CacheEnv) {
		t.Fatalf("BuildPyExpress with a world-writable cache: %v", err)
	}
}

// The source distribution is looked for beside the repository first, then
// beside each directory above it (a worktree kept below the main clone).
func TestSdistCandidates(t *testing.T) {
	c := SdistCandidates()
	want := filepath.Join(filepath.Dir(RepoRoot()), "shared", "vendor", "mod_wsgi-"+PyExpressVersion+".tar.gz")
	if len(c) == 0 || c[0] != want {
		t.Fatalf("SdistCandidates()[0] = %q, want %q", c, want)
	}
	if last := c[len(c)-1]; last != filepath.Join("/", "shared", "vendor", "mod_wsgi-"+PyExpressVersion+".tar.gz") {
		t.Errorf("the last candidate is %q, want the one at the root", last)
	}
}
