package express

import (
	"cmp"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// ServicesOptions run Python scripts as managed background services
// (--help: Services).
type ServicesOptions struct {
	ServiceScripts  []Pair `opt:"service-script"`   // NAME SCRIPT
	ServiceUsers    []Pair `opt:"service-user"`     // NAME USER
	ServiceGroups   []Pair `opt:"service-group"`    // NAME GROUP
	ServiceLogFiles []Pair `opt:"service-log-file"` // NAME FILE-NAME
}

// ServicesPlan is the services, each a daemon process group of its own.
type ServicesPlan struct {
	List []Service
}

// Service is one --service-script: a daemon process group of its own, with
// no request threads, that runs a script at start.
type Service struct {
	Name, Script, LogFile string
	User, Group           string   // its account when running as root
	Options               []string // WSGIDaemonProcess options, already quoted
}

// services checks each service, its script and its account.
func (r *resolver) services() error {
	o := &r.o
	if err := checkKeys("service-script", o.ServiceScripts, reToken, "a service name (letters, digits and _ . @ + -)", "service"); err != nil {
		return err
	}
	scripts := map[string]bool{}
	for _, sv := range o.ServiceScripts {
		scripts[sv.Key] = true
	}
	var per [3]map[string]string // user, group, log file by service
	for i, opt := range []struct {
		name  string
		pairs []Pair
	}{{"service-user", o.ServiceUsers}, {"service-group", o.ServiceGroups}, {"service-log-file", o.ServiceLogFiles}} {
		per[i] = map[string]string{}
		for _, kv := range opt.pairs {
			if !scripts[kv.Key] {
				return usagef(opt.name, "no --service-script named %s; name a service given with --service-script NAME SCRIPT", shortQuote(kv.Key))
			}
			per[i][kv.Key] = kv.Value
		}
	}
	users, groups, logs := per[0], per[1], per[2]
	if !r.p.Processes.RunningAsRoot && (len(users) > 0 || len(groups) > 0) {
		opt := "service-user"
		if len(users) == 0 {
			opt = "service-group"
		}
		return usagef(opt, "only root can run a service as another account; drop the option or start as root")
	}
	if len(o.ServiceScripts) > 0 {
		// A service's python-path= is one list, separated by colons.
		for _, pp := range r.p.Application.PythonPaths {
			if strings.Contains(pp, ":") {
				return usagef("python-path", "%s holds a colon, which cannot reach a --service-script's python-path; move or link the directory to a path without one", shortQuote(pp))
			}
		}
	}
	for _, sv := range o.ServiceScripts {
		svc, err := r.service(sv, users, groups, logs)
		if err != nil {
			return err
		}
		r.p.Services.List = append(r.p.Services.List, svc)
	}
	return nil
}

// service resolves one service: its account (the application's unless
// given), its script, readable by that account, and its log file.
func (r *resolver) service(sv Pair, users, groups, logs map[string]string) (Service, error) {
	pp := r.p.Processes
	svc := Service{Name: sv.Key, User: pp.User, Group: pp.Group}
	acc := pp.account()
	if u, ok := users[sv.Key]; ok {
		a, err := r.h.LookupUser(u)
		if err != nil {
			return svc, usagef("service-user", "no account named %s; pass an existing account", shortQuote(u))
		}
		if a.Uid == "0" {
			return svc, usagef("service-user", "mod_wsgi will not run a daemon process as root; pass an unprivileged account")
		}
		svc.User = a.Username
		acc.UID, _ = strconv.Atoi(a.Uid)
		if _, given := groups[sv.Key]; !given {
			if g, err := r.h.LookupGroupID(a.Gid); err == nil {
				svc.Group = g.Name
			}
			acc.GID, _ = strconv.Atoi(a.Gid)
		}
	}
	if g, ok := groups[sv.Key]; ok {
		grp, err := r.h.LookupGroup(g)
		if err != nil {
			return svc, usagef("service-group", "no group named %s; pass an existing group", shortQuote(g))
		}
		svc.Group = grp.Name
		acc.GID, _ = strconv.Atoi(grp.Gid)
	}
	svc.Script = r.abs(sv.Value)
	if !discover.IsFile(r.h, svc.Script) {
		return svc, usagef("service-script", "service %s: no script file at %s", sv.Key, svc.Script)
	}
	if err := r.readable("service-script", svc.Script, acc, cmp.Or(svc.User, "the service account")); err != nil {
		return svc, err
	}
	if l, ok := logs[sv.Key]; ok {
		if l == "" || strings.Contains(l, "/") || l == "." || l == ".." {
			return svc, usagef("service-log-file", "%s must be a plain file name; it is written in the log directory", shortQuote(l))
		}
		svc.LogFile = filepath.Join(r.p.Logging.Directory, l)
	}
	return svc, nil
}

// assemble gives each service its daemon process options (daemon.go).
func (s *ServicesPlan) assemble(p *Plan) {
	for i := range s.List {
		s.List[i].Options = serviceOptions(p, s.List[i])
	}
}
