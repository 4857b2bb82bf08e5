package express

import (
	"fmt"
	"os"
	"syscall"
)

// launchDebug runs Apache for debug mode: it replaces this process, so
// Apache stays in the terminal's foreground process group with the
// terminal as its standard input and output, where a debugger such as pdb
// or gdb can talk to you. Ctrl-C reaches Apache directly. Unlike the
// normal terminal launch, nothing stands between the terminal and Apache,
// so a window resize (SIGWINCH, Apache's graceful-stop) stops the server.
func launchDebug(p *Plan, s Streams) error {
	env := os.Environ()
	args := []string{p.Shell, p.Apachectl, "start"} // apachectl adds -X
	if p.GDB != "" {
		// apachectl's environment, then gdb running httpd with the
		// arguments in the command file (gdb.cmds).
		for _, e := range p.Env {
			env = append(env, e.Key+"="+e.Value)
		}
		args = []string{p.Shell, "-c", `. "$1" && exec "$2" -q -x "$3" "$4"`, "sh", p.Envvars, p.GDB, p.GDBCommands, p.HTTPD}
	}
	if p.O.WorkingDirectory != "" {
		if err := os.Chdir(p.O.WorkingDirectory); err != nil {
			return &RuntimeError{Msg: fmt.Sprintf("changing to the working directory: %v", err)}
		}
	}
	how := "Ctrl-C stops it"
	if p.GDB != "" {
		how = "Ctrl-C interrupts it in gdb; then quit stops it"
	}
	if s.IsTerminal {
		fmt.Fprintf(s.Out, "Debug mode: Apache runs in this terminal at %s (%s; resizing the window stops it too)\n", p.URL, how)
	} else {
		if p.GDB == "" {
			how = "SIGINT or SIGTERM stops it"
		}
		fmt.Fprintf(s.Out, "Debug mode: Apache runs in the foreground at %s (%s)\n", p.URL, how)
	}
	err := syscall.Exec(args[0], args, env)
	return &RuntimeError{Msg: fmt.Sprintf("running %s: %v", args[0], err)}
}
