package supervisor

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// CheckPort fails when a listening port (--port, and --https-port when
// set) is taken, before Apache is run.
func CheckPort(p *express.Plan, h discover.Machine) error {
	type listener struct {
		addr, option string
		port         int
	}
	ls := []listener{{p.Network.Listen, "port", p.Network.Port}}
	if p.HTTPS.Listen != "" {
		ls = append(ls, listener{p.HTTPS.Listen, "https-port", p.HTTPS.Port})
	}
	for _, l := range ls {
		if err := checkListen(p, h, l.addr, l.option, l.port); err != nil {
			return err
		}
	}
	return nil
}

func checkListen(p *express.Plan, h discover.Machine, listen, option string, port int) error {
	addr := listen
	if !strings.Contains(addr, ":") || strings.HasPrefix(addr, "[") && !strings.Contains(addr, "]:") {
		addr = ":" + addr
	}
	if h.PortFree(addr) {
		return nil
	}
	if _, real := h.(discover.RealMachine); real {
		// Say why, when it is not the port being taken.
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
		} else if errors.Is(err, syscall.EADDRNOTAVAIL) {
			return &fault.RuntimeError{Msg: fmt.Sprintf("cannot listen on %s: %s is not an address of this machine; check --host", listen, p.Network.Host)}
		} else if errors.Is(err, syscall.EACCES) {
			return &fault.RuntimeError{Msg: fmt.Sprintf("cannot listen on port %d: ports below 1024 need root; choose another with --%s", port, option)}
		}
	}
	return &fault.RuntimeError{Msg: fmt.Sprintf("port %d is already in use on %s; stop whatever listens there or choose another with --%s",
		port, cmp.Or(p.Network.Host, "all interfaces"), option)}
}

// ClearStalePidFile removes a pid file left by a server that is gone.
// apachectl start refuses (and exits 0) when the pid file names a live
// process, whichever process it is; a pid is only trusted when that
// process is an Apache running this server root's configuration.
func ClearStalePidFile(p *express.Plan) error {
	if _, err := os.Stat(p.Paths.PidFile); err != nil {
		return nil
	}
	if err := CheckNotRunning(p); err != nil {
		return err
	}
	if err := os.Remove(p.Paths.PidFile); err != nil && !os.IsNotExist(err) {
		return &fault.RuntimeError{Msg: fmt.Sprintf("removing the stale pid file %s: %v", p.Paths.PidFile, err)}
	}
	return nil
}

// CheckNotRunning fails when an Apache is already running this server
// root's configuration. start-server checks it, and the port, before
// writing anything: rewriting the files of a running server would switch
// it to the new options at its next restart.
func CheckNotRunning(p *express.Plan) error {
	data, err := os.ReadFile(p.Paths.PidFile)
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err == nil && pid > 0 && pidRunsConfig(pid, p.Paths.ConfigFile) {
		return &fault.RuntimeError{Msg: fmt.Sprintf("a server for %s is already running (pid %d); stop it first with %s stop, or give this one its own --server-root", p.Paths.ServerRoot, pid, p.Paths.Apachectl)}
	}
	return nil
}

// pidRunsConfig reports whether process pid is alive and runs with conf
// as its configuration file (httpd -f CONF).
func pidRunsConfig(pid int, conf string) bool {
	p, ok := ReadProc(pid)
	if !ok || p.State == "Z" {
		return false
	}
	for i, a := range p.Args {
		if a == "-f" && i+1 < len(p.Args) && p.Args[i+1] == conf {
			return true
		}
	}
	return false
}
