package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed generated docs match the command definitions.
func TestDocsUpToDate(t *testing.T) {
	stale, err := staleFiles(filepath.Join("..", "..", "docs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stale {
		t.Errorf("docs/%s is stale: run %q from the repository root and commit the result", s, Refresh)
	}
}

// staleFiles lists the files under dir that differ from what generate
// writes, are missing, or are man pages no command produces.
func staleFiles(dir string) ([]string, error) {
	files, err := render()
	if err != nil {
		return nil, err
	}
	var stale []string
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, filepath.ToSlash(name))
		}
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "man", "*.1"))
	for _, p := range pages {
		name := filepath.Join("man", filepath.Base(p))
		if _, ok := files[name]; !ok {
			stale = append(stale, filepath.ToSlash(name))
		}
	}
	return stale, nil
}

// The check catches an edited, a missing and an extra file, and generate
// repairs all three.
func TestStaleDocsDetected(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	if stale, _ := staleFiles(dir); len(stale) != 0 {
		t.Fatalf("fresh docs reported stale: %v", stale)
	}
	opts := filepath.Join(dir, "options.md")
	b, _ := os.ReadFile(opts)
	os.WriteFile(opts, bytes.Replace(b, []byte("--port NUMBER"), []byte("--port PORT"), 1), 0o644)
	os.Remove(filepath.Join(dir, "man", "mod_wsgi-express-version.1"))
	os.WriteFile(filepath.Join(dir, "man", "mod_wsgi-express-gone.1"), []byte("x"), 0o644)
	stale, err := staleFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(stale, " ")
	for _, want := range []string{"options.md", "man/mod_wsgi-express-version.1", "man/mod_wsgi-express-gone.1"} {
		if !strings.Contains(got, want) {
			t.Errorf("stale files %q lack %s", got, want)
		}
	}
	if strings.Contains(got, "commands.md") {
		t.Errorf("commands.md reported stale though untouched: %q", got)
	}
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	if stale, _ := staleFiles(dir); len(stale) != 0 {
		t.Errorf("still stale after regenerating: %v", stale)
	}
}
