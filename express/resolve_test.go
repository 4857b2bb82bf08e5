package express

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// No resolve step writes the options: each reads them, and the sections of
// the steps before it, and writes its own section of the plan.
func TestResolveNeverWritesOptions(t *testing.T) {
	for name, mod := range map[string]func(*Options){
		"default":  func(o *Options) {},
		"script":   func(o *Options) { o.EntryPoint = "hello.wsgi"; o.ReloadOnChanges = true },
		"debug":    func(o *Options) { o.EntryPoint, o.EnableDebugger, o.Processes, o.Threads = "hello.wsgi", true, "4", 9 },
		"embedded": func(o *Options) { o.EntryPoint, o.EmbeddedMode = "hello.wsgi", true },
		"static":   func(o *Options) { o.ApplicationType, o.EntryPoint = "static", "site" },
		"docroot":  func(o *Options) { o.DocumentRoot, o.MountPoint, o.ServerName = "site", "/app/", "www.example.test" },
	} {
		t.Run(name, func(t *testing.T) {
			o := DefaultOptions()
			mod(&o)
			given := o
			ran := 0
			after := func(step string, r *resolver) {
				ran++
				if !reflect.DeepEqual(r.o, given) {
					t.Errorf("step %s changed the options", step)
				}
			}
			if _, err := run(o, fakeHost(t, debianLayout(), 0), nil, after); err != nil {
				t.Fatal(err)
			}
			if ran != len(steps) {
				t.Errorf("%d steps ran, want %d", ran, len(steps))
			}
		})
	}
}

// The package documentation's table of steps (doc.go) is the pipeline, in
// its order.
func TestDocListsSteps(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	in := false
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "// The steps (resolve.go") {
			in = true
			continue
		}
		if in && strings.HasPrefix(l, "//\t") {
			listed = append(listed, strings.Fields(l[3:])[0])
		} else if in && len(listed) > 0 {
			break
		}
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.name)
	}
	if strings.Join(listed, " ") != strings.Join(names, " ") {
		t.Errorf("doc.go lists the steps\n  %v\nresolve.go runs\n  %v", listed, names)
	}
}
