package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/doctor"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

// DoctorOptions are the inputs of doctor.
type DoctorOptions struct {
	IO      supervisor.Streams
	Host    discover.Host
	Options express.Options
	JSON    bool
}

// NewCmdDoctor builds doctor. runF replaces the real run in tests.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IO, Host: f.Host, Options: express.DefaultOptions()}
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
	o := &opts.Options
	b := addDiscoveryFlagSet(c.Flags(), o)
	b.in("Paths")
	b.str(&o.MimeTypes, "mime-types", "FILE", "mime.types file (default: Apache's or /etc/mime.types)")
	b.str(&o.ServerRoot, "server-root", "DIR", "server root start-server would use (default: $TMPDIR/mod_wsgi-HOST:PORT:UID; /var/tmp on macOS)")
	b.in("Application")
	b.str(&o.WorkingDirectory, "working-directory", "DIR", "directory start-server would run the application in (default: the current directory)")
	b.in("Network")
	b.str(&o.Host, "host", "IP-ADDRESS", "interface start-server would listen on (default: all)")
	b.integer(&o.Port, "port", "NUMBER", "port start-server would listen on")
	b.in("Processes")
	b.strs(&o.ServerMPM, "server-mpm", "NAME", "preferred Apache MPM: event, worker or prefork (repeatable)")
	b.str(&o.User, "user", "USERNAME", "account the application would run as when started by root")
	b.str(&o.Group, "group", "GROUP", "group the application would run as when started by root")
	b.in("Other")
	b.boolean(&opts.JSON, "json", "print the checks as JSON")
	setGroupedHelp(c)
	return c
}

func doctorRun(opts *DoctorOptions) error {
	r := doctor.Run(opts.Options, opts.Host)
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
