package main

import (
	"embed"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
)

// The page application (page/page.wsgi, its views and templates): a
// Django view rendering a template over 20 rows of a SQLite table, an
// upload and a download, and /static/ through WhiteNoise for the servers
// that serve files only through the application.
//
//go:embed page
var pageFiles embed.FS

// Sizes of the static files of the static scenario.
const (
	cssSize   = 30 * 1024
	imageSize = 200 * 1024
)

// writePageApp writes the page application into dir: page.wsgi (and
// page_app.py, the same bytes, for the servers that import a module),
// page_urls.py, the templates, static/style.css and static/image.jpg, and
// the SQLite database, made with Debian's Python.
func writePageApp(dir string) error {
	err := fs.WalkDir(pageFiles, "page", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("page", p)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := pageFiles.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(dir, "page.wsgi"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "page_app.py"), b, 0o644); err != nil {
		return err
	}
	static := filepath.Join(dir, "static")
	if err := os.MkdirAll(static, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(static, "style.css"), cssBytes(cssSize), 0o644); err != nil {
		return err
	}
	img := make([]byte, imageSize)
	rand.New(rand.NewSource(1)).Read(img) // incompressible, like a JPEG
	if err := os.WriteFile(filepath.Join(static, "image.jpg"), img, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "mix.lua"), []byte(mixScript), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("/usr/bin/python3", filepath.Join(dir, "page_db.py")).CombinedOutput(); err != nil {
		return fmt.Errorf("creating the page application's database: %v\n%s", err, out)
	}
	return nil
}

// cssBytes is a stylesheet of n bytes.
func cssBytes(n int) []byte {
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, ".item-%d { margin: %dpx; color: #%06x; }\n", i, i%13, i*2654435761%0xffffff)
	}
	return b[:n]
}

// mixScript is the wrk script of the static scenario: 40% the
// stylesheet, 40% the image, 20% the page.
const mixScript = `-- go run ./bench -scenario static
local paths = {"/static/style.css", "/static/style.css", "/static/image.jpg", "/static/image.jpg", "/"}
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1])
end
`
