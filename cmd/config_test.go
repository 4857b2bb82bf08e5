package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// envHost is the real machine with its own environment.
type envHost struct {
	discover.RealMachine
	env map[string]string
}

func (h envHost) Getenv(k string) string { return h.env[k] }
func (h envHost) Environ() []string {
	var out []string
	for k, v := range h.env {
		out = append(out, k+"="+v)
	}
	return out
}

func testFactory(env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errb := iostreams.Test()
	return &Factory{IO: ios, Machine: envHost{env: env}}, out, errb
}

// runSetup runs setup-server with args in a tree with config support and
// returns the options it would have used.
func runSetup(t *testing.T, env map[string]string, args ...string) (express.Options, error) {
	t.Helper()
	f, _, _ := testFactory(env)
	var got express.Options
	root := &cobra.Command{Use: "mod_wsgi-express", SilenceErrors: true, SilenceUsage: true}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	root.AddCommand(NewCmdSetupServer(f, func(o *ServerOptions) error { got = o.Options; return nil }))
	enableConfig(root, f.Machine.Getenv, nil)
	joined, err := joinPairArgs(append([]string{"setup-server"}, args...), map[string]string{"setenv": "NAME VALUE", "url-alias": "URL-PATH FILE-PATH"})
	if err != nil {
		t.Fatal(err)
	}
	root.SetArgs(joined)
	err = root.Execute()
	return got, err
}

var configFiles = map[string]string{
	"yaml": `port: 1111
threads: 3
processes: 4
server-mpm: [worker, prefork]
setenv:
  - [A, "from file"]
  - [B, 2]
python-path: /from/file
`,
	"toml": `port = 1111
threads = 3
processes = 4
server-mpm = ["worker", "prefork"]
setenv = [["A", "from file"], ["B", "2"]]
python-path = "/from/file"
`,
	"json": `{"port": 1111, "threads": 3, "processes": 4, "server-mpm": ["worker", "prefork"],
 "setenv": [["A", "from file"], ["B", 2]], "python-path": "/from/file"}
`,
}

// A flag beats the environment, which beats the file, which beats the
// default; for every file format, and for single, repeatable and
// two-argument options.
func TestOptionPrecedence(t *testing.T) {
	for format, content := range configFiles {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "site."+format)
			os.WriteFile(file, []byte(content), 0o644)
			env := map[string]string{
				"MOD_WSGI_EXPRESS_PORT":        "3333", // loses to the flag
				"MOD_WSGI_EXPRESS_THREADS":     "7",    // beats the file
				"MOD_WSGI_EXPRESS_PYTHON_PATH": "/env/a,/env/b",
				"MOD_WSGI_EXPRESS_URL_ALIAS":   "/static=/srv/static, /media=/srv/media",
				"MOD_WSGI_EXPRESS_ACCESS_LOG":  "true",
			}
			o, err := runSetup(t, env, "app.wsgi", "--config", file, "--port", "2222", "--setenv", "C", "flag")
			if err != nil {
				t.Fatal(err)
			}
			def := express.DefaultOptions()
			checks := []struct {
				name      string
				got, want any
			}{
				{"port (flag)", o.Port, 2222},
				{"threads (env over file)", o.Threads, 7},
				{"processes (file)", o.Processes, "4"},
				{"max-clients (default)", o.MaxClients, def.MaxClients},
				{"server-mpm (file list)", o.ServerMPM, []string{"worker", "prefork"}},
				{"python-path (env list over file)", o.PythonPaths, []string{"/env/a", "/env/b"}},
				{"url-alias (env pairs)", o.URLAliases, []express.Pair{{Key: "/static", Value: "/srv/static"}, {Key: "/media", Value: "/srv/media"}}},
				{"setenv (flag over file)", o.SetEnv, []express.Pair{{Key: "C", Value: "flag"}}},
				{"access-log (env bool)", o.AccessLog, true},
				{"entry point (argument)", o.EntryPoint, "app.wsgi"},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
				}
			}
		})
	}
	// Without the flag, the file's pairs are used in order.
	file := filepath.Join(t.TempDir(), "site.yaml")
	os.WriteFile(file, []byte(configFiles["yaml"]), 0o644)
	o, err := runSetup(t, nil, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	want := []express.Pair{{Key: "A", Value: "from file"}, {Key: "B", Value: "2"}}
	if !reflect.DeepEqual(o.SetEnv, want) || o.Port != 1111 || !reflect.DeepEqual(o.PythonPaths, []string{"/from/file"}) {
		t.Errorf("from the file alone: setenv %v port %d python-path %v", o.SetEnv, o.Port, o.PythonPaths)
	}
	// The environment can name the file.
	o, err = runSetup(t, map[string]string{"MOD_WSGI_EXPRESS_CONFIG": file})
	if err != nil || o.Port != 1111 {
		t.Errorf("$MOD_WSGI_EXPRESS_CONFIG: port %d, error %v", o.Port, err)
	}
}

func TestEnvListForms(t *testing.T) {
	o, err := runSetup(t, map[string]string{
		"MOD_WSGI_EXPRESS_SETENV":  "X=a,b\nY=c=d\n",
		"MOD_WSGI_EXPRESS_PASSENV": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []express.Pair{{Key: "X", Value: "a,b"}, {Key: "Y", Value: "c=d"}}
	if !reflect.DeepEqual(o.SetEnv, want) {
		t.Errorf("newline-separated pairs: got %v, want %v", o.SetEnv, want)
	}
	if len(o.PassEnv) != 0 {
		t.Errorf("empty variable should count as unset, got passenv %v", o.PassEnv)
	}
}

// Bad config: each error is a usage error (exit 2) naming the culprit, and
// nothing is written.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"unknown key", nil, []string{"--config", write("a.yaml", "port: 1\nprot: 2\nthreads: 3\n")},
			[]string{"a.yaml", `unknown option "prot"`}},
		{"unknown key toml", nil, []string{"--config", write("a.toml", "server_mpm = [\"event\"]\n")},
			[]string{"a.toml", `unknown option "server_mpm"`}},
		{"not an option", nil, []string{"--config", write("b.json", `{"help": true}`)},
			[]string{"b.json", `unknown option "help"`}},
		{"bad value in file", nil, []string{"--config", write("c.yaml", "port: eighty\n")},
			[]string{"c.yaml", "port", "whole number"}},
		{"list for a single value", nil, []string{"--config", write("d.yaml", "port: [1, 2]\n")},
			[]string{"d.yaml", "port", "single value"}},
		{"pairs not pairs", nil, []string{"--config", write("e.yaml", "setenv: [A, B]\n")},
			[]string{"e.yaml", "setenv", "two-item list"}},
		{"bad env value", map[string]string{"MOD_WSGI_EXPRESS_THREADS": "many"}, nil,
			[]string{"MOD_WSGI_EXPRESS_THREADS", "whole number"}},
		{"bad env pair", map[string]string{"MOD_WSGI_EXPRESS_SETENV": "JUSTNAME"}, nil,
			[]string{"MOD_WSGI_EXPRESS_SETENV", "NAME=VALUE"}},
		{"missing file", nil, []string{"--config", filepath.Join(dir, "none.yaml")},
			[]string{"none.yaml"}},
		{"unknown format", nil, []string{"--config", write("f.ini", "port=1\n")},
			[]string{"f.ini", ".yaml"}},
		{"syntax error", nil, []string{"--config", write("g.json", "{port: }")},
			[]string{"g.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := filepath.Join(dir, "root-"+strings.ReplaceAll(c.name, " ", "-"))
			f, out, errb := testFactory(c.env)
			code := Execute(f, append([]string{"setup-server", "--server-root", root}, c.args...))
			if code != 2 {
				t.Errorf("exit status %d, want 2; stderr:\n%s", code, errb)
			}
			for _, w := range c.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("error lacks %q:\n%s", w, errb)
				}
			}
			if _, err := os.Stat(root); err == nil {
				t.Errorf("server root written despite the error; stdout:\n%s", out)
			}
		})
	}
}

// --print-config shows each option's value and source, and writes nothing.
func TestPrintConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "site.yaml")
	os.WriteFile(file, []byte("processes: 4\nthreads: 3\nsetenv: [[A, b]]\n"), 0o644)
	root := filepath.Join(dir, "root")
	f, out, errb := testFactory(map[string]string{"MOD_WSGI_EXPRESS_THREADS": "7"})
	code := Execute(f, []string{"setup-server", "app.wsgi", "--config", file, "--port", "2222", "--server-root", root, "--print-config"})
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, errb)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if kv, src, ok := strings.Cut(l, "  # "); ok {
			lines[strings.TrimSpace(kv)] = src
		}
	}
	for kv, src := range map[string]string{
		"port: 2222":              "flag",
		"threads: 7":              "env MOD_WSGI_EXPRESS_THREADS",
		"processes: 4":            "file " + file,
		`setenv: [["A","b"]]`:     "file " + file,
		"socket-timeout: 60":      "default",
		`entry-point: "app.wsgi"`: "argument",
	} {
		if lines[kv] != src {
			t.Errorf("%q: source %q, want %q", kv, lines[kv], src)
		}
	}
	if _, err := os.Stat(root); err == nil {
		t.Errorf("--print-config wrote the server root")
	}
}

// The shell completes the values of options with a fixed set, directories
// for directory options, and nothing for numbers.
func TestCompleteFlagValue(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"start-server", "--server-mpm", ""}, []string{"event", "worker", "prefork", ":4"}},
		{[]string{"setup-server", "--log-level", "tr"}, []string{"trace1", "trace8", ":4"}},
		{[]string{"start-server", "--application-type", ""}, []string{"script", "module", "paste", "static", ":4"}},
		{[]string{"start-server", "--server-root", ""}, []string{":16"}}, // directories
		{[]string{"start-server", "--port", ""}, []string{":4"}},         // nothing
		{[]string{"start-server", "--config", ""}, []string{"yaml", "toml", "json", ":8"}},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish"}},
		// After a two-argument option, completion goes on as usual.
		{[]string{"start-server", "--setenv", "A", "b", "--server-mpm", "w"}, []string{"worker", ":4"}},
		{[]string{"start-server", "--url-alias", ""}, []string{":4"}},       // a URL path
		{[]string{"start-server", "--url-alias", "/s", ""}, []string{":0"}}, // file names
	}
	for _, c := range cases {
		f, out, errb := testFactory(nil)
		if code := Execute(f, append([]string{"__complete"}, c.args...)); code != 0 {
			t.Errorf("%q: exit status %d: %s", c.args, code, errb)
		}
		got := strings.Fields(out.String())
		for _, w := range c.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("%q: completions %q lack %q", c.args, got, w)
			}
		}
		if c.args[len(c.args)-1] == "tr" && strings.Contains(out.String(), "debug") {
			t.Errorf("%q: completions not filtered by prefix: %q", c.args, got)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "complete -o default", "zsh": "#compdef mod_wsgi-express", "fish": "complete -c mod_wsgi-express"} {
		f, out, errb := testFactory(nil)
		if code := Execute(f, []string{"completion", shell}); code != 0 {
			t.Errorf("%s: exit status %d: %s", shell, code, errb)
		}
		if !strings.Contains(out.String(), marker) || !strings.Contains(out.String(), "__complete") {
			t.Errorf("%s: script lacks %q or __complete", shell, marker)
		}
	}
	f, _, errb := testFactory(nil)
	if code := Execute(f, []string{"completion", "powershell"}); code != 2 {
		t.Errorf("unknown shell: exit status %d, want 2: %s", code, errb)
	}
}

// One config file can serve several commands: a command ignores the keys
// of options only other commands have, but still rejects unknown keys.
func TestConfigFileSharedByCommands(t *testing.T) {
	file := filepath.Join(t.TempDir(), "site.yaml")
	os.WriteFile(file, []byte("port: 1234\nthreads: 9\n"), 0o644)
	run := func(content string) (int, error) {
		os.WriteFile(file, []byte(content), 0o644)
		f, _, _ := testFactory(nil)
		var port int
		small := &cobra.Command{Use: "small", RunE: func(*cobra.Command, []string) error { return nil }}
		b := &flagBuilder{fs: small.Flags()}
		b.in("Network")
		b.integer(&port, "port", "NUMBER", "port")
		root := &cobra.Command{Use: "mod_wsgi-express", SilenceErrors: true, SilenceUsage: true}
		root.AddCommand(NewCmdSetupServer(f, func(*ServerOptions) error { return nil }), small)
		enableConfig(root, f.Machine.Getenv, nil)
		root.SetArgs([]string{"small", "--config", file})
		err := root.Execute()
		return port, err
	}
	if port, err := run("port: 1234\nthreads: 9\n"); err != nil || port != 1234 {
		t.Errorf("shared file: port %d, error %v", port, err)
	}
	if _, err := run("port: 1234\nthreadz: 9\n"); err == nil || !strings.Contains(err.Error(), `"threadz"`) {
		t.Errorf("unknown key: error %v, want one naming threadz", err)
	}
}

// A MOD_WSGI_EXPRESS_ variable naming no option is warned about and
// ignored; options of any command, and the variables that are not options,
// are not.
func TestUnknownEnvWarned(t *testing.T) {
	f, _, errb := testFactory(map[string]string{
		"MOD_WSGI_EXPRESS_BOGUS":   "1",
		"MOD_WSGI_EXPRESS_threads": "4",
		"MOD_WSGI_EXPRESS_THREADS": "3",
		"MOD_WSGI_EXPRESS_JSON":    "1", // doctor's option
		"MOD_WSGI_EXPRESS_BINARY":  "/usr/local/bin/mod_wsgi-express",
	})
	code := Execute(f, []string{"setup-server", "--server-root", filepath.Join(t.TempDir(), "r"), "--print-config"})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	for _, want := range []string{"MOD_WSGI_EXPRESS_BOGUS is set but no command has an option --bogus", "MOD_WSGI_EXPRESS_threads"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	for _, not := range []string{"THREADS", "JSON", "BINARY"} {
		if strings.Contains(errb.String(), "MOD_WSGI_EXPRESS_"+not) {
			t.Errorf("warned about MOD_WSGI_EXPRESS_%s:\n%s", not, errb)
		}
	}
}
