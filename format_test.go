package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Every Go file is gofmt-formatted.
func TestGofmt(t *testing.T) {
	gofmt := filepath.Join(runtime.GOROOT(), "bin", "gofmt")
	out, err := exec.Command(gofmt, "-l", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -l .: %v\n%s", gofmt, err, out)
	}
	if files := strings.TrimSpace(string(out)); files != "" {
		t.Errorf("not gofmt-formatted (run gofmt -w on them):\n%s", files)
	}
}
