package main

import (
	"os"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// buildPythonExpress returns the Python mod_wsgi-express 6.0.5, built on
// first use the way a user installs it (a virtualenv from the system
// Python, pip install of the source distribution, which compiles
// mod_wsgi.so against apache2-dev and python3-dev). It is the one the
// differential tests and scripts/test use (testenv.BuildPyExpress: in
// $MOD_WSGI_TEST_CACHE, by default /var/tmp/mod_wsgi-express-tests, where
// Apache's unprivileged children can read it), built from -mod-wsgi-sdist
// or else the source distribution in shared/vendor beside the repository.
func buildPythonExpress(repo string) (string, error) {
	sdists := testenv.SdistCandidates()
	if *sdist != "" {
		sdists = []string{*sdist}
	}
	inst, err := testenv.BuildPyExpress(sdists, os.Stderr)
	if err != nil {
		return "", err
	}
	return inst.Prog, nil
}
