package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// NewCmdVersion builds the version command.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this tool",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintf(f.IO.Out, "mod_wsgi-express %s (commit %s, %s)\n", Version, Commit, runtime.Version())
			return nil
		},
	}
}
