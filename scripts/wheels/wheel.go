package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// distribution is the project's name on the package index, as wheel file
// and .dist-info names spell it (the same as python/pyproject.toml's, so a
// wheel replaces a source install of the Django app).
const distribution = "mod_wsgi_express"

// entryPoints gives the installed command: it runs the bundled binary.
const entryPoints = "[console_scripts]\nmod_wsgi-express = mod_wsgi_express.cli:main\n"

// file is one file of a wheel.
type file struct {
	Name string // slash-separated path in the zip
	Data []byte
	Mode fs.FileMode // 0o644 or 0o755
}

// packageFiles are the .py files of the Django app under dir, named as in
// the wheel (mod_wsgi_express/...), sorted.
func packageFiles(dir string) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".py" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(dir), path)
		files = append(files, file{Name: filepath.ToSlash(rel), Data: data, Mode: 0o644})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Python files under %s", dir)
	}
	return files, nil
}

// wheel is one platform wheel to write.
type wheel struct {
	Version string
	Tags    []string // platform tags
	Time    time.Time
	Files   []file // the package, binary included
	Readme  []byte // the long description
	License []byte
}

// FileName is the wheel's file name: NAME-VERSION-py3-none-TAG.TAG.whl.
func (w wheel) FileName() string {
	return fmt.Sprintf("%s-%s-py3-none-%s.whl", distribution, w.Version, strings.Join(w.Tags, "."))
}

func (w wheel) distInfo() string { return fmt.Sprintf("%s-%s.dist-info", distribution, w.Version) }

func (w wheel) metadata() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: 2.1\n")
	fmt.Fprintf(&b, "Name: %s\n", distribution)
	fmt.Fprintf(&b, "Version: %s\n", w.Version)
	fmt.Fprintf(&b, "Summary: mod_wsgi-express as one static binary: serve a Python WSGI application with Apache httpd and mod_wsgi (and Django's manage.py runmodwsgi)\n")
	fmt.Fprintf(&b, "Home-page: https://github.com/modwsgi-go/mod_wsgi-express\n")
	fmt.Fprintf(&b, "License: MIT\n")
	for _, c := range []string{
		"Development Status :: 4 - Beta",
		"Environment :: Web Environment",
		"Framework :: Django",
		"License :: OSI Approved :: MIT License",
		"Operating System :: MacOS",
		"Operating System :: Microsoft :: Windows",
		"Operating System :: POSIX :: Linux",
		"Programming Language :: Go",
		"Programming Language :: Python :: 3",
		"Topic :: Internet :: WWW/HTTP :: WSGI :: Server",
	} {
		fmt.Fprintf(&b, "Classifier: %s\n", c)
	}
	fmt.Fprintf(&b, "Requires-Python: >=3.8\n")
	fmt.Fprintf(&b, "Description-Content-Type: text/markdown\n\n")
	b.Write(w.Readme)
	return []byte(b.String())
}

func (w wheel) wheelFile() []byte {
	var b strings.Builder
	b.WriteString("Wheel-Version: 1.0\nGenerator: mod_wsgi-express scripts/build-wheels\nRoot-Is-Purelib: false\n")
	for _, t := range w.Tags {
		fmt.Fprintf(&b, "Tag: py3-none-%s\n", t)
	}
	return []byte(b.String())
}

// entries are the wheel's files in their order in the zip: the package
// sorted by name, then the .dist-info files sorted, RECORD last (the
// order the wheel specification recommends).
func (w wheel) entries() []file {
	pkg := slices.Clone(w.Files)
	slices.SortFunc(pkg, func(a, b file) int { return strings.Compare(a.Name, b.Name) })
	di := w.distInfo() + "/"
	meta := []file{
		{Name: di + "LICENSE", Data: w.License, Mode: 0o644},
		{Name: di + "METADATA", Data: w.metadata(), Mode: 0o644},
		{Name: di + "WHEEL", Data: w.wheelFile(), Mode: 0o644},
		{Name: di + "entry_points.txt", Data: []byte(entryPoints), Mode: 0o644},
	}
	all := append(pkg, meta...)
	var record strings.Builder
	for _, f := range all {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.Name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.Data))
	}
	fmt.Fprintf(&record, "%sRECORD,,\n", di)
	return append(all, file{Name: di + "RECORD", Data: []byte(record.String()), Mode: 0o644})
}

// write writes the wheel into dir (through a temporary file, renamed into
// place) and returns its path and size.
func (w wheel) write(dir string) (string, int64, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, f := range w.entries() {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: w.Time}
		h.SetMode(f.Mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return "", 0, err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return "", 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return "", 0, err
	}
	path := filepath.Join(dir, w.FileName())
	tmp, err := os.CreateTemp(dir, ".wheel-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return "", 0, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", 0, err
	}
	return path, int64(buf.Len()), nil
}
