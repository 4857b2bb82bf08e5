package cmd

import (
	"bytes"
	"testing"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

func moduleTestFactory() (*Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errb := iostreams.Test()
	return &Factory{IO: ios, Machine: discover.RealMachine{}}, out, errb
}

// The module commands share the discovery flags and bind them to Options.
func TestModuleCommandFlags(t *testing.T) {
	f, _, _ := moduleTestFactory()
	args := []string{"--httpd-executable", "/h", "--modules-directory", "/m", "--mod-wsgi-module", "/w.so", "--python-executable", "/v/bin/python"}
	var got *ModuleOptions
	capture := func(o *ModuleOptions) error { got = o; return nil }
	for _, c := range []*cobra.Command{NewCmdModuleConfig(f, capture), NewCmdModuleLocation(f, capture), NewCmdInstallModule(f, capture)} {
		got = nil
		c.SetArgs(args)
		if err := c.Execute(); err != nil || got == nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		o := got.Options
		if o.HTTPDExecutable != "/h" || o.ModulesDirectory != "/m" || o.ModWSGIModule != "/w.so" || o.PythonExecutable != "/v/bin/python" {
			t.Errorf("%s: options %+v", c.Name(), o.PathsOptions)
		}
	}
}

func TestDoctorFlags(t *testing.T) {
	f, _, _ := moduleTestFactory()
	var got *DoctorOptions
	c := NewCmdDoctor(f, func(o *DoctorOptions) error { got = o; return nil })
	c.SetArgs([]string{"--json", "--port", "8123", "--host", "127.0.0.1", "--python-home", "/venv", "--server-root", "/r"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.JSON || got.Options.Port != 8123 || got.Options.Host != "127.0.0.1" || got.Options.PythonHome != "/venv" || got.Options.ServerRoot != "/r" {
		t.Errorf("options %+v json %v", got.Options.PathsOptions, got.JSON)
	}
}

func TestModuleCommandsUsage(t *testing.T) {
	for _, args := range [][]string{{"module-config", "x"}, {"module-location", "--nope"}, {"install-module", "a", "b"}, {"doctor", "x"}} {
		f, _, errb := moduleTestFactory()
		if code := Execute(f, args); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errb)
		}
	}
}
