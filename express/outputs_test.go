package express

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// Each concern asks for the files and directories it needs, and only
// when its options call for them: the writer and the renderer know none.
func TestOutputsByConcern(t *testing.T) {
	base := []string{"handler.json", "handler.wsgi", "express_runtime.py", "express_debug.py",
		"httpd.conf", "apachectl", "envvars", "rewrite.conf", "alive.txt"}
	cases := []struct {
		name      string
		host      func(t *testing.T) fakehost.Host
		mod       func(*Options)
		files     []string // beyond base (static sites: instead of the handler's)
		dirs      []string // relative to the server root, or absolute
		notStatic bool
	}{
		{"default", nil, func(o *Options) {}, nil, []string{"python-eggs", "htdocs", "ready"}, true},
		{"static", nil, func(o *Options) { o.ApplicationType, o.EntryPoint = "static", "/srv/app" }, nil, nil, false},
		{"add-handler", nil, func(o *Options) { o.HandlerScripts = []Pair{{".py", "/srv/app/handler.py"}} },
			[]string{"resource.wsgi", "resources.json"}, []string{"python-eggs", "htdocs", "ready"}, true},
		{"profiler", nil, func(o *Options) { o.EnableProfiler = true }, nil, []string{"python-eggs", "pstats", "htdocs", "ready"}, true},
		{"gdb", nil, func(o *Options) { o.EnableGDB, o.GDBExecutable = true, "/bin/bash" }, []string{"gdb.cmds"}, []string{"python-eggs", "htdocs", "ready"}, true},
		{"log-directory", nil, func(o *Options) { o.LogDirectory = "/srv/app/logs" }, nil, []string{"python-eggs", "htdocs", "/srv/app/logs", "ready"}, true},
		{"telemetry-4.x", func(t *testing.T) fakehost.Host { return fakehost.NewerModule(t, "4.9.4") },
			func(o *Options) { o.EnableTelemetry = true }, []string{"express_telemetry.py"}, []string{"python-eggs", "htdocs", "ready"}, true},
		{"telemetry-6", func(t *testing.T) fakehost.Host { return fakehost.NewerModule(t, "6.0.5") },
			func(o *Options) { o.EnableTelemetry = true }, nil, []string{"python-eggs", "htdocs", "ready"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := fakeHost(t, fakehost.Site(), 0)
			if c.host != nil {
				h = c.host(t)
			}
			o := DefaultOptions()
			o.EntryPoint = "hello.wsgi"
			c.mod(&o)
			p, err := Resolve(o, h)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string{}, base...)
			if !c.notStatic {
				want = []string{"httpd.conf", "apachectl", "envvars", "rewrite.conf", "alive.txt"}
			}
			want = append(want, c.files...)
			var got []string
			for _, f := range p.Outputs.Files {
				got = append(got, f.Name)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("files %v, want %v", got, want)
			}
			var dirs []string
			for _, d := range p.Outputs.Dirs {
				rel := strings.TrimPrefix(d.Path, p.Paths.ServerRoot+string(filepath.Separator))
				dirs = append(dirs, rel)
			}
			wantDirs := append([]string{}, c.dirs...)
			slices.Sort(wantDirs)
			slices.Sort(dirs)
			if !slices.Equal(dirs, wantDirs) {
				t.Errorf("directories %v, want %v", dirs, wantDirs)
			}
		})
	}
}
