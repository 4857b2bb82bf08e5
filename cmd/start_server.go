package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/quote"
	"github.com/modwsgi-go/mod_wsgi-express/server"
	"github.com/modwsgi-go/mod_wsgi-express/serverroot"
	"github.com/modwsgi-go/mod_wsgi-express/templates"
)

// ServerOptions are the inputs of start-server and setup-server.
type ServerOptions struct {
	IO      iostreams.IOStreams
	Machine discover.Machine
	Options express.Options
}

// NewCmdStartServer builds start-server. runF replaces the real run in tests.
func NewCmdStartServer(f *Factory, runF func(*ServerOptions) error) *cobra.Command {
	return newServerCmd(f, runF, false, &cobra.Command{
		Use:   "start-server [ENTRY-POINT]",
		Short: "Write the server configuration and run Apache in the foreground",
		Long: `Write a server root for the WSGI application at ENTRY-POINT and run Apache
in the foreground until interrupted. With no ENTRY-POINT a default page is
served. Apache runs as a child in its own process group: the command reports
why it failed to start and exits with Apache's status. SIGTERM (and SIGWINCH
without a terminal) drains: new connections are refused at once, requests
in flight finish for up to --graceful-stop-timeout, then it exits 0.
SIGINT, or a second SIGTERM, stops at once; SIGHUP is forwarded; a window
resize never stops it. SIGUSR1 restarts the application's daemon processes
without dropping a request (Apache's graceful restart in embedded mode).
/.mod_wsgi-express/live and /.mod_wsgi-express/ready answer liveness and
readiness probes (docs/kubernetes.md).`,
	})
}

// NewCmdSetupServer builds setup-server: start-server without the start.
func NewCmdSetupServer(f *Factory, runF func(*ServerOptions) error) *cobra.Command {
	return newServerCmd(f, runF, true, &cobra.Command{
		Use:   "setup-server [ENTRY-POINT]",
		Short: "Write the server configuration and scripts, without starting Apache",
		Long: `Write a server root for the WSGI application at ENTRY-POINT and print how
to start it: SERVER-ROOT/apachectl start (or stop, restart, graceful,
configtest). Running it again with the same options writes the same files.`,
	})
}

// newServerCmd gives c the server options and the run shared by
// start-server and setup-server (which never starts Apache).
func newServerCmd(f *Factory, runF func(*ServerOptions) error, setupOnly bool, c *cobra.Command) *cobra.Command {
	opts := &ServerOptions{IO: f.IO, Machine: f.Machine, Options: express.DefaultOptions()}
	c.Args = cobra.MaximumNArgs(1)
	c.RunE = func(c *cobra.Command, args []string) error {
		if f.Machine != nil && discover.IsWindows(f.Machine) {
			return notOnWindows(c.Name())
		}
		fillEntryPoint(&opts.Options, args)
		// The config layer may have copied it into the option already.
		positional := len(args) == 1 && !c.Flags().Changed("entry-point") && opts.Options.EntryPoint == args[0]
		opts.Options.Version = Version
		if runF != nil {
			return runF(opts)
		}
		err := serverRun(opts, setupOnly || opts.Options.SetupOnly)
		if positional {
			err = asPositional(err, args[0])
		}
		return err
	}
	addServerFlags(c.Flags(), &opts.Options)
	setGroupedHelp(c, f)
	return c
}

// notOnWindows is start-server's and setup-server's refusal on Windows,
// before anything is written: the server root they make is run by a POSIX
// shell script (apachectl) with process groups and signals, which Windows
// has not. What this tool does there is give what an Apache of one's own
// needs to load mod_wsgi, as mod_wsgi's own command does on Windows.
func notOnWindows(command string) error {
	return &fault.UsageError{Msg: command + " does not run on Windows: the server root it writes is run by a POSIX shell script (apachectl) with process groups and signals. " +
		"On Windows use module-config to print the LoadFile, LoadModule and WSGIPythonHome lines for your own Apache's httpd.conf (Apache Lounge's build in C:\\Apache24 or %APACHE_ROOT%), " +
		"module-location for the module's path, doctor to check Apache, the module and its Python, and version; then run httpd.exe (or install it as a service with httpd.exe -k install). See docs/windows.md"}
}

// fillEntryPoint takes the positional ENTRY-POINT when --entry-point is
// not given.
func fillEntryPoint(o *express.Options, args []string) {
	if o.EntryPoint == "" && len(args) == 1 {
		o.EntryPoint = args[0]
	}
}

// asPositional names a problem with the entry point by the path the user
// typed (start-server nosuch.wsgi), not by an --entry-point option they
// did not give.
func asPositional(err error, given string) error {
	var ue *fault.UsageError
	if errors.As(err, &ue) && ue.Option == "entry-point" {
		return &fault.UsageError{Msg: given + ": " + ue.Msg}
	}
	return err
}

// serverRun resolves, renders, and writes the server root (setupOnly) or
// has server.Run write it and run the server.
func serverRun(opts *ServerOptions, setupOnly bool) error {
	plan, err := express.Resolve(opts.Options, opts.Machine)
	if err != nil {
		return err
	}
	files, err := templates.Render(plan)
	if err != nil {
		return err
	}
	if !setupOnly {
		return server.Run(server.Config{Plan: plan, Files: files, IO: opts.IO, Machine: opts.Machine,
			Launching: func() { printSummary(opts.IO.Out, plan) }})
	}
	if plan.Telemetry.Ingester != nil {
		return fault.Usagef("enable-telemetry", "start-server receives the telemetry while it runs Apache, which setup-server (and --setup-only) does not; use start-server, or send to an ingester of your own with --telemetry-service unix:/path")
	}
	if err := serverroot.Write(plan, files); err != nil {
		return &fault.RuntimeError{Msg: err.Error()}
	}
	printSummary(opts.IO.Out, plan)
	fmt.Fprintf(opts.IO.Out, "\nStart the server with: %s start\n", quote.ShellWord(plan.Paths.Apachectl))
	return nil
}

func printSummary(w io.Writer, p *express.Plan) {
	width := 0
	for _, l := range p.Summary {
		width = max(width, len(l.Name))
	}
	for _, l := range p.Summary {
		fmt.Fprintf(w, "%-*s : %s\n", width, l.Name, l.Value)
	}
}
