package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// ModuleOptions are the inputs of module-config, module-location and
// install-module: which module and Python to use.
type ModuleOptions struct {
	IO      express.Streams
	Host    express.Host
	Options express.Options
}

func newModuleOptions(f *Factory) *ModuleOptions {
	return &ModuleOptions{IO: f.IO, Host: f.Host, Options: express.DefaultOptions()}
}

// addDiscoveryFlagSet declares the discovery options on a command.
func addDiscoveryFlagSet(fs *pflag.FlagSet, o *express.Options) *flagBuilder {
	b := &flagBuilder{fs: fs}
	addDiscoveryFlags(b, o)
	return b
}

// NewCmdModuleConfig builds module-config. runF replaces the real run in tests.
func NewCmdModuleConfig(f *Factory, runF func(*ModuleOptions) error) *cobra.Command {
	opts := newModuleOptions(f)
	c := &cobra.Command{
		Use:   "module-config",
		Short: "Print the Apache directives that load the mod_wsgi module this tool would use",
		Long: `Print the lines to add to an Apache configuration of your own to load the
mod_wsgi module start-server would use: LoadFile of its libpython when that
library is outside the loader's default path, LoadModule wsgi_module, and
WSGIPythonHome naming the Python (or matching virtualenv) it runs.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return moduleConfigRun(opts)
		},
	}
	addDiscoveryFlagSet(c.Flags(), &opts.Options)
	setGroupedHelp(c)
	return c
}

func moduleConfigRun(opts *ModuleOptions) error {
	s, err := express.DiscoverModuleSetup(&opts.Options, opts.Host)
	if err != nil {
		return err
	}
	if err := express.CheckLoadable(s.Module); err != nil {
		return err
	}
	printLines(opts.IO, express.ModuleLines(s.Module, s.Module.Path, s.Python))
	return nil
}

func printLines(io express.Streams, lines []string) {
	fmt.Fprintln(io.Out, strings.Join(lines, "\n"))
}
