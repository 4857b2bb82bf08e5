//go:build !darwin

package discover

import "os"

// tempDir is where default server roots go: $TMPDIR, else /tmp.
func tempDir() string { return os.TempDir() }
