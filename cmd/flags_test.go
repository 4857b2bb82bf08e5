package cmd

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// Every Options field is reachable from the command line under the name
// errors use for it (express.OptionName), and every option flag has a help
// heading.
func TestEveryOptionHasAFlag(t *testing.T) {
	var o express.Options
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	addServerFlags(fs, &o)
	var walk func(t reflect.Type)
	walk = func(typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name := express.OptionName(f)
			if name == "-" {
				continue
			}
			if fs.Lookup(name) == nil {
				t.Errorf("Options.%s has no flag --%s", f.Name, name)
			}
		}
	}
	walk(reflect.TypeOf(o))
	fs.VisitAll(func(f *pflag.Flag) {
		if len(f.Annotations[annGroup]) == 0 {
			t.Errorf("--%s has no help heading", f.Name)
		}
	})
}

func TestJoinPairArgs(t *testing.T) {
	two := map[string]string{"setenv": "NAME VALUE"}
	cases := []struct {
		in, want []string
		err      bool
	}{
		{[]string{"--setenv", "A", "b c", "x"}, []string{"--setenv=A\x00b c", "x"}, false},
		{[]string{"--setenv=A", "b"}, []string{"--setenv=A\x00b"}, false},
		{[]string{"--port", "1", "--", "--setenv", "A"}, []string{"--port", "1", "--", "--setenv", "A"}, false},
		{[]string{"--setenv", "A"}, nil, true},
		{[]string{"--setenv"}, nil, true},
	}
	for _, c := range cases {
		got, err := joinPairArgs(c.in, two)
		if (err != nil) != c.err {
			t.Errorf("%q: error %v, want error %v", c.in, err, c.err)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "(NAME VALUE)") {
			t.Errorf("%q: %v does not name the two values", c.in, err)
		}
		if !c.err && strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// A value of the wrong kind names the option and what it takes, not Go's
// parser.
func TestFlagValueKindErrors(t *testing.T) {
	for args, want := range map[string]string{
		"--port abc":                  `--port: "abc" is not a whole number`,
		"--port 99999999999999999999": `--port: "99999999999999999999" is out of range`,
		"--access-log=maybe":          `--access-log: "maybe" is not true or false`,
		"--initial-workers x":         `--initial-workers`,
	} {
		f, out, errb := testFactory(nil)
		code := Execute(f, append([]string{"setup-server", "--server-root", filepath.Join(t.TempDir(), "r")}, strings.Fields(args)...))
		if code != 2 || !strings.Contains(errb.String(), want) || strings.Contains(errb.String(), "strconv") || out.Len() != 0 {
			t.Errorf("%s: exit %d, stderr %q, want %q", args, code, errb, want)
		}
	}
}

// Each option is declared once: wherever another command takes a
// start-server option (doctor, top, version, the module commands), it has
// start-server's value name, help text and heading, so --help, the docs
// and the config layer say the same thing everywhere.
func TestEachOptionDeclaredOnce(t *testing.T) {
	f, _, _ := testFactory(nil)
	root := NewRootCmd(f)
	var server *pflag.FlagSet
	for _, c := range root.Commands() {
		if c.Name() == "start-server" {
			server = c.Flags()
		}
	}
	if server == nil {
		t.Fatal("no start-server command")
	}
	shared := 0
	for _, c := range root.Commands() {
		if c.Name() == "start-server" || c.Name() == "setup-server" {
			continue
		}
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if !isOption(fl) {
				return
			}
			s := server.Lookup(fl.Name)
			if s == nil {
				return // the command's own option (doctor --json)
			}
			if c.Name() == "install-module" && fl.Name == "modules-directory" {
				// The one option that means something else there: where
				// the module is copied to, as in the Python tool's
				// install-module, not where Apache's modules are found.
				return
			}
			shared++
			if fl.Usage != s.Usage || !reflect.DeepEqual(fl.Annotations, s.Annotations) || fl.DefValue != s.DefValue {
				t.Errorf("%s --%s is declared again: %q %v (default %q), start-server has %q %v (default %q)",
					c.Name(), fl.Name, fl.Usage, fl.Annotations, fl.DefValue, s.Usage, s.Annotations, s.DefValue)
			}
		})
	}
	if shared < 10 {
		t.Errorf("only %d shared options found: doctor, top, version and the module commands take start-server's", shared)
	}
}

// A subset naming an option start-server lacks is a mistake of the
// program, caught at once.
func TestOptionSubsetUnknownName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("addOptionSubset accepted --no-such-option")
		}
	}()
	var o express.Options
	addOptionSubset(pflag.NewFlagSet("x", pflag.ContinueOnError), &o, "port", "no-such-option")
}
