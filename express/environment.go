package express

import (
	"cmp"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// EnvironmentOptions shape the environment the application sees (--help:
// Environment).
type EnvironmentOptions struct {
	Locale         string
	Lang           string
	SetEnv         []Pair   `opt:"setenv"`
	PassEnv        []string `opt:"passenv"`
	PythonEggs     string   // default SERVER-ROOT/python-eggs
	PythonWarnings []string // -W style filters, WSGIPythonWarnings
}

// EnvironmentPlan is the locale, the request environment and the Python
// runtime's settings.
type EnvironmentPlan struct {
	Locale   string
	SetEnv   []Pair
	PassEnv  []string
	Exported []Pair // exported to Apache by apachectl

	PythonEggs     string // directory; also the daemon's python-eggs option
	PythonWarnings []string
}

var (
	reLocale       = regexp.MustCompile(`^[A-Za-z0-9_.@-]+$`)
	reEnvName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	reWarnCategory = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// environment decides the locale, the variables requests see, and the
// Python egg cache and warnings filters.
func (r *resolver) environment() error {
	o, e := &r.o, &r.p.Environment
	loc, err := r.locale()
	if err != nil {
		return err
	}
	e.Locale = loc
	if loc != "" {
		e.Exported = append(e.Exported, Pair{"LANG", loc}, Pair{"LC_ALL", loc})
	}
	for _, kv := range o.SetEnv {
		if !reEnvName.MatchString(kv.Key) {
			return usagef("setenv", "%s is not a variable name", shortQuote(kv.Key))
		}
	}
	for _, n := range o.PassEnv {
		if !reEnvName.MatchString(n) {
			return usagef("passenv", "%s is not a variable name", shortQuote(n))
		}
	}
	e.SetEnv, e.PassEnv = o.SetEnv, o.PassEnv
	e.PythonEggs = filepath.Join(r.p.Paths.ServerRoot, "python-eggs")
	if o.PythonEggs != "" {
		e.PythonEggs = r.abs(o.PythonEggs)
		if err := discover.CheckCreatableDir(r.h, e.PythonEggs); err != nil {
			return usagef("python-eggs", "%v", err)
		}
		if err := r.checkGivenDir("python-eggs", e.PythonEggs); err != nil {
			return err
		}
	}
	if !r.p.Application.Static {
		// The egg cache, writable by the application when made here.
		r.addDir(OutputDir{Path: e.PythonEggs, Owner: DirApplication, Parents: true, BestEffort: true})
	}
	for _, w := range o.PythonWarnings {
		if err := checkWarningFilter(w); err != nil {
			return err
		}
	}
	e.PythonWarnings = o.PythonWarnings
	return nil
}

// locale is --locale (or --lang), else the caller's locale when this
// machine has it, else en_US.UTF-8 or C.UTF-8 when installed.
func (r *resolver) locale() (string, error) {
	o, h := &r.o, r.h
	if loc := cmp.Or(o.Locale, o.Lang); loc != "" {
		opt := "locale"
		if o.Locale == "" {
			opt = "lang"
		}
		if !reLocale.MatchString(loc) {
			return "", usagef(opt, "%s is not a locale name such as en_US.UTF-8", shortQuote(loc))
		}
		return loc, nil
	}
	for _, c := range []string{h.Getenv("LC_ALL"), h.Getenv("LANG")} {
		if c != "" && c != "C" && c != "POSIX" && reLocale.MatchString(c) && discover.LocaleExists(h, c) {
			return c, nil
		}
	}
	for _, c := range []string{"en_US.UTF-8", "C.UTF-8"} {
		if discover.LocaleExists(h, c) {
			return c, nil
		}
	}
	return "", nil
}

// checkWarningFilter checks a Python -W filter: action:message:category:module:lineno,
// every part after the action optional.
func checkWarningFilter(w string) error {
	bad := func(why string) error {
		return usagef("python-warnings", "%s is not a warnings filter of the form action:message:category:module:lineno (%s), for example ignore::DeprecationWarning", shortQuote(w), why)
	}
	parts := strings.Split(w, ":")
	if len(parts) > 5 {
		return bad("too many fields")
	}
	action := strings.TrimSpace(parts[0])
	ok := false
	for _, a := range []string{"default", "error", "ignore", "always", "module", "once"} {
		if action != "" && strings.HasPrefix(a, action) {
			ok = true
		}
	}
	if !ok {
		return bad("the action must be one of default, error, ignore, always, module or once")
	}
	if len(parts) > 2 {
		if c := strings.TrimSpace(parts[2]); c != "" && !reWarnCategory.MatchString(c) {
			return bad("the category must be a class name such as DeprecationWarning")
		}
	}
	if len(parts) > 4 {
		if l := strings.TrimSpace(parts[4]); l != "" {
			if n, err := strconv.Atoi(l); err != nil || n < 0 {
				return bad("the line number must be a number")
			}
		}
	}
	return nil
}
