package express

import (
	"os"
	"os/user"
	"path/filepath"
	"testing"
)

// layout describes a fake machine: files to create (content "" makes an
// empty file; "@elf:NAME" copies testdata/elf/NAME; a trailing / makes a
// directory) and symlinks.
type layout struct {
	files map[string]string
	links map[string]string
	env   map[string]string
}

var wwwData = &user.User{Uid: "33", Gid: "33", Username: "www-data", Name: "www-data"}

// debianLayout is Debian/Ubuntu: apache2, /usr/lib/apache2/modules,
// mod_wsgi.so linking libpython3.11.
func debianLayout() layout {
	l := layout{files: map[string]string{
		"/usr/sbin/apache2":                              "#!/bin/sh\n",
		"/usr/lib/apache2/modules/mod_wsgi.so-3.11":      "@elf:mod_wsgi-py311.so",
		"/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0": "",
		"/usr/lib/python3.11/os.py":                      "",
		"/usr/bin/python3.11":                            "",
		"/etc/mime.types":                                "",
		"/tmp/":                                          "",
		"/srv/app/hello.wsgi":                            "",
		"/srv/app/static/":                               "",
		"/srv/app/site/index.html":                       "",
		"/usr/lib/locale/C.utf8/":                        "",
	}, links: map[string]string{
		"/usr/lib/apache2/modules/mod_wsgi.so": "mod_wsgi.so-3.11",
	}, env: map[string]string{"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}}
	for _, m := range []string{"mpm_event", "mpm_worker", "mpm_prefork", "authz_core", "authz_host", "mime", "rewrite", "alias", "dir", "env", "reqtimeout"} {
		l.files["/usr/lib/apache2/modules/mod_"+m+".so"] = ""
	}
	return l
}

// fakeHost builds the layout under a temporary directory.
func fakeHost(t testing.TB, l layout, uid int) RootedHost {
	t.Helper()
	root := t.TempDir()
	for p, content := range l.files {
		full := filepath.Join(root, p)
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(content)
		if len(content) > 5 && content[:5] == "@elf:" {
			var err error
			if data, err = os.ReadFile(filepath.Join("testdata", "elf", content[5:])); err != nil {
				t.Fatal(err)
			}
		}
		mode := os.FileMode(0o644)
		if filepath.Base(filepath.Dir(p)) == "bin" || filepath.Base(filepath.Dir(p)) == "sbin" {
			mode = 0o755
		}
		if err := os.WriteFile(full, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range l.links {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(root, 0o755)
	return RootedHost{Root: root, Env: l.env, UID: uid, Wd: "/srv/app",
		Users: map[string]*user.User{"www-data": wwwData, "root": {Uid: "0", Gid: "0", Username: "root"}}}
}
