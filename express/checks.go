package express

// Checks the resolve steps share: a file an option names, what the
// application's account can reach, a number's minimum, a host name, and
// the address given to people.

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// reachable checks, when running as root, that the unprivileged account
// can reach what it must: the server root's parents, the application and
// the files it serves.
func (r *resolver) reachable() error {
	p := r.p
	if !p.Processes.RunningAsRoot {
		return nil
	}
	type need struct {
		opt, path string
		read      bool
	}
	needs := []need{{"server-root", filepath.Dir(p.Paths.ServerRoot), false}, {"working-directory", p.Application.WorkingDirectory, false}}
	if t := p.Application.Type; (t == "script" || t == "paste") && p.Application.EntryPoint != "" {
		needs = append(needs, need{"entry-point", p.Application.EntryPoint, true})
	}
	if !p.Static.DefaultDocumentRoot {
		needs = append(needs, need{"document-root", p.Static.DocumentRoot, true})
	}
	for _, a := range p.Static.URLAliases {
		needs = append(needs, need{"url-alias", a.Path, true})
	}
	for _, pp := range p.Application.PythonPaths {
		needs = append(needs, need{"python-path", pp, true})
	}
	for _, n := range needs {
		if bad := p.Processes.account().Blocked(r.h, n.path, n.read); bad != "" {
			return usagef(n.opt, "%s is not reachable by %s, the account Apache's children run as: %s; make it accessible (for example chmod %s %s) or pass --user and --group",
				n.path, p.Processes.User, bad, discover.ChmodFor(r.h, bad), bad)
		}
	}
	return nil
}

// readable checks, when running as root, that account who (uid, gid) can
// read path, which option names.
func (r *resolver) readable(option, path string, acc discover.Account, who string) error {
	if !r.p.Processes.RunningAsRoot {
		return nil
	}
	if bad := acc.Blocked(r.h, path, true); bad != "" {
		return usagef(option, "%s is not readable by %s, the account that must read it: %s blocks it; make it accessible (for example chmod %s %s) or choose another account",
			path, who, bad, discover.ChmodFor(r.h, bad), bad)
	}
	return nil
}

// file makes path absolute and checks it is a regular file; when
// childRead, also that Apache's unprivileged children can read it.
func (r *resolver) file(option, path string, childRead bool) (string, error) {
	if path == "" {
		return "", usagef(option, "needs a file path")
	}
	abs := r.abs(path)
	fi, err := r.h.Stat(abs)
	if err != nil {
		return "", usagef(option, "no file at %s; give the path of an existing file", abs)
	}
	if fi.IsDir() {
		return "", usagef(option, "%s is a directory; give the path of a file", abs)
	}
	if childRead {
		if err := r.readable(option, abs, r.p.Processes.account(), r.p.Processes.User); err != nil {
			return "", err
		}
	}
	return abs, nil
}

// atLeast refuses a number option below min.
func atLeast(option string, v, min int) error {
	if v < min {
		return usagef(option, "%d is too small; use %d or more", v, min)
	}
	return nil
}

// validHost reports whether s is a DNS-style host name, an IPv4 address or
// an IPv6 address (written without brackets).
func validHost(s string) bool {
	if strings.Contains(s, ":") {
		return net.ParseIP(s) != nil
	}
	return reHostName.MatchString(s)
}

// siteURL is the address to give people: the server name when there is
// one (its virtual host refuses other names), without the scheme's
// default port.
func siteURL(scheme, host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if scheme == "http" && port == 80 || scheme == "https" && port == 443 {
		return fmt.Sprintf("%s://%s/", scheme, host)
	}
	return fmt.Sprintf("%s://%s:%d/", scheme, host, port)
}
