package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// NewCmdModuleLocation builds module-location. runF replaces the real run
// in tests.
func NewCmdModuleLocation(f *Factory, runF func(*ModuleOptions) error) *cobra.Command {
	opts := newModuleOptions(f)
	c := &cobra.Command{
		Use:   "module-location",
		Short: "Print the path of the mod_wsgi module this tool would use",
		Long: `Print the path of the mod_wsgi module start-server would load: the one
given by --mod-wsgi-module or $MOD_WSGI_MODULE, else the one pip installed in
the active virtualenv, else Apache's own.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			s, err := express.DiscoverModuleSetup(&opts.Options, opts.Host)
			if err != nil {
				return err
			}
			fmt.Fprintln(opts.IO.Out, s.Module.Path)
			return nil
		},
	}
	addDiscoveryFlagSet(c.Flags(), &opts.Options)
	setGroupedHelp(c)
	return c
}
