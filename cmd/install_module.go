package cmd

import (
	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// NewCmdInstallModule builds install-module. runF replaces the real run in
// tests.
func NewCmdInstallModule(f *Factory, runF func(*ModuleOptions) error) *cobra.Command {
	opts := newModuleOptions(f)
	c := &cobra.Command{
		Use:   "install-module",
		Short: "Copy the mod_wsgi module into Apache's modules directory and print the lines that load it",
		Long: `Copy the mod_wsgi module this tool would use (see module-location) into
Apache's modules directory, or the directory given by --modules-directory,
and print the Apache directives that load the copy.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return installModuleRun(opts)
		},
	}
	addDiscoveryFlagSet(c.Flags(), &opts.Options)
	c.Flags().Lookup("modules-directory").Usage = "directory to copy the module into (default: apxs LIBEXECDIR, else Apache's modules directory)"
	setGroupedHelp(c)
	return c
}

func installModuleRun(opts *ModuleOptions) error {
	// --modules-directory names the destination here, not where to look.
	find := opts.Options
	find.ModulesDirectory = ""
	s, err := express.DiscoverModuleSetup(&find, opts.Host)
	if err != nil {
		return err
	}
	if err := express.CheckLoadable(s.Module); err != nil {
		return err
	}
	dir := opts.Options.ModulesDirectory
	if dir == "" {
		if dir, err = express.DefaultInstallDir(opts.Host); err != nil {
			return err
		}
	}
	target, err := express.InstallModule(s.Module, dir)
	if err != nil {
		return err
	}
	printLines(opts.IO, express.ModuleLines(s.Module, target, s.Python))
	return nil
}
