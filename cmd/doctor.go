package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/doctor"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// DoctorOptions are the inputs of doctor.
type DoctorOptions struct {
	IO      iostreams.IOStreams
	Machine discover.Machine
	Options express.Options
	JSON    bool
}

// doctorOptions are the start-server options doctor checks with: those
// that decide which Apache, module and Python are used, where the server
// listens and writes, and who it runs as.
var doctorOptions = []string{"httpd-executable", "modules-directory", "mod-wsgi-module", "python-home", "python-executable",
	"mime-types", "server-root", "working-directory", "host", "port", "server-mpm", "user", "group"}

// NewCmdDoctor builds doctor. runF replaces the real run in tests.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IO, Machine: f.Machine, Options: express.DefaultOptions()}
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check that start-server would work here, and say how to fix what would not",
		Long: `Check, one line each, what start-server needs: Apache and its version, the
modules directory, the MPMs, the mod_wsgi module with its version and the
Python it links, that Python's home, the virtualenv if any, mime.types,
whether the port is free, the server root, and the accounts. Each line says
OK or FAIL, and how to fix a failure. The exit status is 0 when
start-server with the same options would work, 2 when an option's value is
wrong on any machine (as start-server would exit), else 1. On Windows, where
start-server does not run, it checks what module-config needs (Apache, its
modules directory, the module, its Python and the virtualenv) and exits 0
when module-config would work.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return doctorRun(opts)
		},
	}
	b := addOptionSubset(c.Flags(), &opts.Options, doctorOptions...)
	b.in("Other")
	b.boolean(&opts.JSON, "json", "print the checks as JSON")
	setGroupedHelp(c, f)
	return c
}

func doctorRun(opts *DoctorOptions) error {
	r := doctor.Run(opts.Options, opts.Machine)
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		width := 0
		for _, c := range r.Checks {
			width = max(width, len(c.Name))
		}
		for _, c := range r.Checks {
			line := fmt.Sprintf("%-4s  %-*s  %s", c.Status, width, c.Name, c.Detail)
			if c.Fix != "" {
				line += ". Fix: " + c.Fix
			}
			fmt.Fprintln(opts.IO.Out, line)
		}
		if r.OK && r.Windows {
			fmt.Fprintln(opts.IO.Out, "\nmodule-config should work here (start-server does not run on Windows).")
		} else if r.Windows && !r.BadInput {
			fmt.Fprintln(opts.IO.Out, "\nmodule-config would fail: fix the FAIL lines above.")
		} else if r.OK {
			fmt.Fprintln(opts.IO.Out, "\nstart-server should work here.")
		} else if r.BadInput {
			fmt.Fprintln(opts.IO.Out, "\nAn option's value is wrong: fix the FAIL line naming it.")
		} else {
			fmt.Fprintln(opts.IO.Out, "\nstart-server would fail: fix the FAIL lines above.")
		}
	}
	if r.BadInput {
		return &exitCode{2}
	}
	if !r.OK {
		return &exitCode{1}
	}
	return nil
}
