package templates

import (
	"flag"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/golden/name, or rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test ./templates -update rewrites it):\n%s", name, diffLines(string(want), string(got)))
	}
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
	}
	return strings.Join(out, "\n")
}

// resolved is the plan of the options mod makes of the defaults (version
// "test") on h; an error fails the test.
func resolved(t *testing.T, h discover.Machine, mod func(*express.Options)) *express.Plan {
	t.Helper()
	o := express.DefaultOptions()
	o.Version = "test"
	mod(&o)
	p, err := express.Resolve(o, h)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// withApp is mod with the WSGI script every fake machine holds.
func withApp(mod func(*express.Options)) func(*express.Options) {
	return func(o *express.Options) { o.EntryPoint = "hello.wsgi"; mod(o) }
}

func renderFile(t *testing.T, p *express.Plan, name string) []byte {
	t.Helper()
	files, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == name {
			return f.Data
		}
	}
	t.Fatalf("no %s rendered", name)
	return nil
}

func TestGoldenConfigs(t *testing.T) {
	cases := []struct {
		name string
		uid  int
		mod  func(*express.Options)
	}{
		{"default-root.conf", 0, func(o *express.Options) {}},
		{"script-user.conf", 1000, func(o *express.Options) { o.EntryPoint = "hello.wsgi" }},
		{"module-processes.conf", 0, func(o *express.Options) {
			o.ApplicationType, o.EntryPoint = "module", "mysite.wsgi:app"
			o.Processes, o.Threads, o.MaximumRequests = "3", 10, 1000
			o.AccessLog = true
		}},
		{"static.conf", 0, func(o *express.Options) { o.ApplicationType, o.EntryPoint = "static", "site" }},
		{"aliases-docroot-setenv.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.DocumentRoot = "site"
			o.URLAliases = []express.Pair{{Key: "/static/", Value: "static"}, {Key: "/favicon.ico", Value: "site/index.html"}}
			o.SetEnv = []express.Pair{{Key: "GREETING", Value: `say "hi" ${HOME} \o/`}}
			o.PassEnv = []string{"DATABASE_URL"}
			o.Host, o.Port = "127.0.0.1", 8080
		}},
		{"embedded-orphan.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.EmbeddedMode, o.OrphanInterpreter = true, true
			o.Processes, o.Threads, o.MaximumRequests = "2", 4, 500
		}},
		{"embedded-default.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.EmbeddedMode = true
		}},
		{"embedded-auto.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.EmbeddedMode, o.Processes = true, "auto"
		}},
		{"daemon-auto-limits.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.Processes = "auto"
			o.MemoryLimit, o.VirtualMemoryLimit, o.CPUPriority, o.SupplementaryGroups = "200M", "2G", 10, "adm,www-data"
		}},
		{"prefork-fractions.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.ServerMPM = []string{"prefork"}
			o.MaxClients, o.InitialWorkers, o.MinimumSpareWorkers, o.MaximumSpareWorkers = 40, 0.25, 0.1, 0.5
		}},
		{"mount-worker.conf", 0, func(o *express.Options) {
			o.EntryPoint = "hello.wsgi"
			o.MountPoint = "/app"
			o.ServerMPM = []string{"worker"}
			o.LogToTerminal = true
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakehost.New(t, fakehost.Debian(), c.uid)
			if c.uid != 0 {
				h.Users["dev"] = &user.User{Uid: "1000", Gid: "1000", Username: "dev"}
			}
			h.Users["adm"] = &user.User{Uid: "4", Gid: "4", Username: "adm"}
			o := express.DefaultOptions()
			o.Version = "test"
			c.mod(&o)
			p, err := express.Resolve(o, h)
			if err != nil {
				t.Fatal(err)
			}
			conf := renderFile(t, p, "httpd.conf")
			golden(t, c.name, conf)
			again := renderFile(t, p, "httpd.conf")
			if string(conf) != string(again) {
				t.Error("rendering twice gave different bytes")
			}
		})
	}
}

// A comment line ending in a backslash would continue onto the next line
// and swallow a directive: no user value may end up in a comment.
func TestNoCommentSwallowsADirective(t *testing.T) {
	h := fakehost.New(t, fakehost.Debian(), 0)
	o := express.DefaultOptions()
	o.EntryPoint = "hello.wsgi"
	o.MountPoint = `/app\`
	o.URLAliases = []express.Pair{{Key: `/x\`, Value: "static"}}
	o.SetEnv = []express.Pair{{Key: "A", Value: `ends in \`}}
	p, err := express.Resolve(o, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(renderFile(t, p, "httpd.conf")), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") && strings.HasSuffix(line, `\`) {
			t.Errorf("line %d is a comment ending in a backslash: %q", i+1, line)
		}
	}
}

// The application is preloaded at process start (WSGIImportScript) unless
// its interpreter is named per request, as upstream does.
func TestPreloadOnlyForFixedApplicationGroup(t *testing.T) {
	for group, want := range map[string]bool{"": true, "%{GLOBAL}": true, "myapp": true, "%{SERVER}": false, "%{ENV:X}": false} {
		h := fakehost.New(t, fakehost.Debian(), 0)
		o := express.DefaultOptions()
		o.EntryPoint, o.ApplicationGroup = "hello.wsgi", group
		p, err := express.Resolve(o, h)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(renderFile(t, p, "httpd.conf")), "WSGIImportScript"); got != want {
			t.Errorf("--application-group %q: WSGIImportScript rendered %v, want %v", group, got, want)
		}
	}
}
