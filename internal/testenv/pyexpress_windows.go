package testenv

import (
	"errors"
	"os"
)

// The Python mod_wsgi-express is built and run on Unix only (the servers
// these helpers start are Unix ones); on Windows this only compiles.

func lockFile(string) (func(), error) {
	return nil, errors.New("building the Python mod_wsgi-express is not supported on Windows")
}

func ownerOf(os.FileInfo) (int, bool) { return 0, false }
