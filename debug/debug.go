// Package debug runs the server in debug mode (--debug-mode and the
// --enable-* tools that imply it): Apache as one process in the
// foreground of the terminal, or under gdb. What debug mode changes in the
// configuration is decided by the debugging step of package express and
// rendered by templates/debugging.tmpl; the tools themselves run inside
// Python (templates/python/express_debug.py).
package debug

import (
	"fmt"
	"os"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
	"github.com/modwsgi-go/mod_wsgi-express/supervisor"
)

// Launch runs Apache for debug mode: it replaces this process, so Apache
// stays in the terminal's foreground process group with the terminal as
// its standard input and output, where a debugger such as pdb or gdb can
// talk to you. Ctrl-C reaches Apache directly. Unlike supervisor.Launch,
// nothing stands between the terminal and Apache, so a window resize
// (SIGWINCH, Apache's graceful-stop) stops the server.
func Launch(p *express.Plan, s iostreams.IOStreams) error {
	if err := supervisor.ClearStalePidFile(p); err != nil {
		return err
	}
	env := os.Environ()
	args := []string{p.Paths.Shell, p.Paths.Apachectl, "start"} // apachectl adds -X
	if p.Debug.GDB != "" {
		// apachectl's environment, then gdb running httpd with the
		// arguments in the command file (gdb.cmds).
		for _, e := range p.ApacheEnv() {
			env = append(env, e.Key+"="+e.Value)
		}
		args = []string{p.Paths.Shell, "-c", `. "$1" && exec "$2" -q -x "$3" "$4"`, "sh", p.Paths.Envvars, p.Debug.GDB, p.Debug.GDBCommands, p.Paths.HTTPD}
	}
	if wd := p.Application.WorkingDirectory; wd != "" {
		if err := os.Chdir(wd); err != nil {
			return &fault.RuntimeError{Msg: fmt.Sprintf("changing to the working directory: %v", err)}
		}
	}
	fmt.Fprintln(s.Out, banner(p, s.IsTerminal))
	err := execApache(args, env)
	return &fault.RuntimeError{Msg: fmt.Sprintf("running %s: %v", args[0], err)}
}

// banner says where the server runs and how to stop it.
func banner(p *express.Plan, terminal bool) string {
	how := "Ctrl-C stops it"
	if p.Debug.GDB != "" {
		how = "Ctrl-C interrupts it in gdb; then quit stops it"
	}
	if terminal {
		return fmt.Sprintf("Debug mode: Apache runs in this terminal at %s (%s; resizing the window stops it too)", p.Network.URL, how)
	}
	if p.Debug.GDB == "" {
		how = "SIGINT or SIGTERM stops it"
	}
	return fmt.Sprintf("Debug mode: Apache runs in the foreground at %s (%s)", p.Network.URL, how)
}
