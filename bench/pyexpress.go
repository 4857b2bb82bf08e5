package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// buildPythonExpress returns the Python mod_wsgi-express 6.0.5, built on
// first use the way a user installs it (a virtualenv from the system
// Python, pip install of the source distribution, which compiles
// mod_wsgi.so against apache2-dev and python3-dev) and kept in the user's
// cache directory, or in /var/tmp for root: there its daemon processes run
// as www-data and must read the venv, which root's cache directory does
// not allow. A venv cannot be moved, so it is built in place and marked
// complete last.
func buildPythonExpress(repo string) (string, error) {
	cache, err := os.UserCacheDir()
	if os.Geteuid() == 0 {
		cache, err = "/var/tmp", nil
	}
	if err != nil {
		return "", err
	}
	venv := filepath.Join(cache, "mod_wsgi-express-bench", "mod_wsgi-6.0.5")
	prog, done := filepath.Join(venv, "bin", "mod_wsgi-express"), filepath.Join(venv, "complete")
	if _, err := os.Stat(done); err == nil {
		return prog, nil
	}
	src := orDefault(*sdist, filepath.Join(repo, "..", "shared", "vendor", "mod_wsgi-6.0.5.tar.gz"))
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("no source distribution (-mod-wsgi-sdist): %v", err)
	}
	fmt.Fprintf(os.Stderr, "bench: building the Python mod_wsgi-express 6.0.5 into %s (once; about 30 s)\n", venv)
	os.RemoveAll(venv)
	steps := [][]string{
		{"/usr/bin/python3", "-m", "venv", venv},
		{filepath.Join(venv, "bin", "pip"), "install", "--no-build-isolation", "--no-index", src},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			os.RemoveAll(venv)
			return "", fmt.Errorf("%s: %v (needs apache2-dev, python3-dev, python3-venv)\n%s", strings.Join(s, " "), err, lastLines(string(out), 20))
		}
	}
	return prog, os.WriteFile(done, nil, 0o644)
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}
