package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --processes takes a number or auto from the command line, the
// environment and every config file format, kept as given for express to
// check; --print-config shows a number as a number, auto as a string and
// no value as null.
func TestProcessesAuto(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"auto.yaml": "processes: auto\n",
		"auto.toml": "processes = \"auto\"\n",
		"auto.json": `{"processes": "auto"}`,
		"num.toml":  "processes = 3\n",
	}
	for name, content := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"default", nil, nil, ""},
		{"flag", nil, []string{"--processes", "auto"}, "auto"},
		{"flag number", nil, []string{"--processes=4"}, "4"},
		{"env", map[string]string{"MOD_WSGI_EXPRESS_PROCESSES": "auto"}, nil, "auto"},
		{"yaml", nil, []string{"--config", filepath.Join(dir, "auto.yaml")}, "auto"},
		{"toml", nil, []string{"--config", filepath.Join(dir, "auto.toml")}, "auto"},
		{"json", nil, []string{"--config", filepath.Join(dir, "auto.json")}, "auto"},
		{"toml number", nil, []string{"--config", filepath.Join(dir, "num.toml")}, "3"},
		// express refuses it, naming --processes (exit status 2).
		{"env bad", map[string]string{"MOD_WSGI_EXPRESS_PROCESSES": "many"}, nil, "many"},
	}
	for _, c := range cases {
		o, err := runSetup(t, c.env, append([]string{"app.wsgi"}, c.args...)...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if o.Processes != c.want {
			t.Errorf("%s: processes %q, want %q", c.name, o.Processes, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "\nprocesses: null "},
		{[]string{"--processes", "auto"}, "\nprocesses: \"auto\" "},
		{[]string{"--processes", "2"}, "\nprocesses: 2 "},
	} {
		f, out, errb := testFactory(nil)
		if code := Execute(f, append([]string{"setup-server", "app.wsgi", "--print-config"}, c.args...)); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errb)
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("%v: print-config lacks %q:\n%s", c.args, c.want, out)
		}
	}
}
