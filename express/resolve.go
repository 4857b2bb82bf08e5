package express

import (
	"fmt"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// usagef and shortQuote are fault's, named short for the many checks here.
var (
	usagef     = fault.Usagef
	shortQuote = fault.Quote
)

// resolver carries one resolution: the options as given (never written),
// the machine, and the plan the steps fill in, a section each.
type resolver struct {
	o Options
	h discover.Machine
	p *Plan
	// apache is what this Apache can load, once the paths step found it.
	apache *discover.Modules
}

// step is one resolve step: it reads the options and the sections of the
// steps before it and writes its own section.
type step struct {
	name string
	run  func(*resolver) error
}

// steps run in this order. Debug mode comes first: it decides values
// (one process, one thread, embedded) that later steps read. The steps
// that load modules run in the order their LoadModule lines appear.
var steps = []step{
	{"debug-mode", (*resolver).debugMode},                   // debugging.go
	{"network", (*resolver).network},                        // network.go
	{"application", (*resolver).application},                // application.go
	{"machine", (*resolver).machine},                        // paths.go
	{"account", (*resolver).account},                        // processes.go
	{"server-root", (*resolver).serverRoot},                 // paths.go
	{"python", (*resolver).python},                          // paths.go
	{"application-imports", (*resolver).applicationImports}, // application.go
	{"environment", (*resolver).environment},                // environment.go
	{"processes", (*resolver).processes},                    // processes.go
	{"debug-tools", (*resolver).debugTools},                 // debugging.go
	{"https", (*resolver).https},                            // https.go
	{"proxying", (*resolver).proxying},                      // proxying.go
	{"virtual-hosts", (*resolver).virtualHosts},             // https.go
	{"static", (*resolver).static},                          // static.go
	{"access", (*resolver).access},                          // access.go
	{"features", (*resolver).features},                      // features.go
	{"logging", (*resolver).logging},                        // logging.go
	{"includes", (*resolver).includes},                      // includes.go
	{"services", (*resolver).services},                      // services.go
	{"process-name", (*resolver).processName},               // processes.go
	{"telemetry", (*resolver).telemetry},                    // telemetry.go
	{"timeouts", (*resolver).timeouts},                      // timeouts.go
	{"probes", (*resolver).probes},                          // probes.go
	{"reachable", (*resolver).reachable},                    // processes.go
}

// Resolve checks the options, fills in defaults, discovers Apache, mod_wsgi
// and Python, and decides every value of the Plan. It writes nothing. A
// problem with the options is returned as a *fault.UsageError.
func Resolve(opts Options, h discover.Machine) (*Plan, error) {
	r, err := run(opts, h, nil, nil)
	if err != nil {
		return nil, err
	}
	r.assemble()
	return r.p, nil
}

// ResolveSteps runs only the named steps, in the order of the pipeline,
// and returns the plan as far as they filled it: for doctor, which reports
// on the parts one by one. A step must be named with the steps it reads.
func ResolveSteps(opts Options, h discover.Machine, names ...string) (*Plan, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	r, err := run(opts, h, want, nil)
	if err != nil {
		return nil, err
	}
	return r.p, nil
}

// run runs the steps (only those named, when only is not nil), calling
// after, when not nil, after each (tests watch the steps with it).
func run(opts Options, h discover.Machine, only map[string]bool, after func(step string, r *resolver)) (*resolver, error) {
	if err := CheckText(&opts); err != nil {
		return nil, err
	}
	for n := range only {
		if !knownStep(n) {
			return nil, fmt.Errorf("no resolve step %q", n)
		}
	}
	r := &resolver{o: opts, h: h, p: &Plan{Version: opts.Version}}
	for _, s := range steps {
		if only != nil && !only[s.name] {
			continue
		}
		if err := s.run(r); err != nil {
			return nil, err
		}
		if after != nil {
			after(s.name, r)
		}
	}
	return r, nil
}

func knownStep(name string) bool {
	for _, s := range steps {
		if s.name == name {
			return true
		}
	}
	return false
}

// assemble fills in the parts of the plan that several sections
// contribute to.
func (r *resolver) assemble() {
	p := r.p
	p.Daemon = daemonProcess(p)
	p.Services.assemble(p)
	p.Conventions = conventions(p)
	p.Handler = handlerConfig(p)
	p.Summary = summary(p)
}

// abs makes a path from the options absolute against the working
// directory of the command.
func (r *resolver) abs(path string) string { return discover.Abs(r.h, path) }

// requireModule fails with a message naming the option and the mod_wsgi
// version it needs when the module found is older.
func (r *resolver) requireModule(option, min string) error {
	mi := r.p.Paths.Module
	if discover.VersionAtLeast(mi.Version, min) {
		return nil
	}
	return usagef(option, "needs mod_wsgi %s or newer, but the module %s is %s; drop the option or use a newer module (--mod-wsgi-module)",
		min, mi.Path, mi.Version)
}
