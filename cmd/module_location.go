package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
)

// NewCmdModuleLocation builds module-location. runF replaces the real run
// in tests.
func NewCmdModuleLocation(f *Factory, runF func(*ModuleOptions) error) *cobra.Command {
	return newModuleCmd(f, runF, moduleLocationRun, &cobra.Command{
		Use:   "module-location",
		Short: "Print the path of the mod_wsgi module this tool would use",
		Long: `Print the path of the mod_wsgi module start-server would load: the one
given by --mod-wsgi-module or $MOD_WSGI_MODULE, else the one pip installed in
the active virtualenv, else Apache's own.`,
	})
}

func moduleLocationRun(opts *ModuleOptions) error {
	s, err := findModuleSetup(opts.Options, opts.Machine)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, s.Module.Path)
	return nil
}
