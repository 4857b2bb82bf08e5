package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// ModuleOptions are the inputs of module-config, module-location and
// install-module: which module and Python to use.
type ModuleOptions struct {
	IO      iostreams.IOStreams
	Machine discover.Machine
	Options express.Options
}

// newModuleCmd gives c the discovery options and the run shared by the
// module commands: runF when testing, else run.
func newModuleCmd(f *Factory, runF, run func(*ModuleOptions) error, c *cobra.Command) *cobra.Command {
	opts := &ModuleOptions{IO: f.IO, Machine: f.Machine, Options: express.DefaultOptions()}
	c.Args = cobra.NoArgs
	c.RunE = func(*cobra.Command, []string) error {
		if runF != nil {
			return runF(opts)
		}
		return run(opts)
	}
	addDiscoveryFlagSet(c.Flags(), &opts.Options)
	setGroupedHelp(c, f)
	return c
}

// addDiscoveryFlagSet declares the discovery options on a command.
func addDiscoveryFlagSet(fs *pflag.FlagSet, o *express.Options) *flagBuilder {
	b := &flagBuilder{fs: fs}
	addDiscoveryFlags(b, o)
	return b
}

// NewCmdModuleConfig builds module-config. runF replaces the real run in tests.
func NewCmdModuleConfig(f *Factory, runF func(*ModuleOptions) error) *cobra.Command {
	return newModuleCmd(f, runF, moduleConfigRun, &cobra.Command{
		Use:   "module-config",
		Short: "Print the Apache directives that load the mod_wsgi module this tool would use",
		Long: `Print the lines to add to an Apache configuration of your own to load the
mod_wsgi module start-server would use: LoadFile of its libpython when that
library is outside the loader's default path, LoadModule wsgi_module, and
WSGIPythonHome naming the Python (or matching virtualenv) it runs.`,
	})
}

func moduleConfigRun(opts *ModuleOptions) error {
	s, err := findModuleSetup(opts.Options, opts.Machine)
	if err != nil {
		return err
	}
	if err := discover.CheckLoadable(s.Module); err != nil {
		return err
	}
	printLines(opts.IO, discover.ModuleLines(s.Module, s.Module.Path, s.Python))
	return nil
}

// findModuleSetup finds the module and Python the module commands report
// on, as start-server would.
func findModuleSetup(o express.Options, h discover.Machine) (*discover.ModuleSetup, error) {
	if err := express.CheckText(&o); err != nil {
		return nil, err
	}
	return discover.FindModuleSetup(h, o.Given())
}

func printLines(io iostreams.IOStreams, lines []string) {
	fmt.Fprintln(io.Out, strings.Join(lines, "\n"))
}
