package telemetry

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// captureFile holds every datagram mod_wsgi 6.0.5 sent during a recorded
// run (see testdata/README.md), each preceded by its length (uint32 LE).
const captureFile = "testdata/capture-6.0.5.bin.gz"

func loadCapture(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open(captureFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(raw) > 0 {
		if len(raw) < 4 {
			t.Fatalf("capture: %d stray bytes", len(raw))
		}
		n := int(binary.LittleEndian.Uint32(raw))
		if len(raw) < 4+n {
			t.Fatalf("capture: record of %d bytes, %d left", n, len(raw)-4)
		}
		out = append(out, bytes.Clone(raw[4:4+n]))
		raw = raw[4+n:]
	}
	return out
}

// loadFixtures returns the single captured datagrams in
// testdata/datagrams by name (without .bin).
func loadFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/datagrams/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	sort.Strings(files)
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(f[:len(f)-4])] = b
	}
	return m
}
