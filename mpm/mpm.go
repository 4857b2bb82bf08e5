// Package mpm finds which Apache multi-processing modules are usable and
// sizes the one chosen.
package mpm

import (
	"fmt"
	"math"
	"strings"
)

// Precedence is the default order of preference.
var Precedence = []string{"event", "worker", "prefork"}

// Available lists the MPMs that can be loaded from a modules directory,
// given the names of its files, in precedence order. builtin names an MPM
// compiled into httpd ("" when MPMs are loadable).
func Available(files map[string]bool, builtin string) []string {
	if builtin != "" {
		return []string{builtin}
	}
	var out []string
	for _, name := range Precedence {
		if files["mod_mpm_"+name+".so"] {
			out = append(out, name)
		}
	}
	return out
}

// Choose picks the MPM: the first of preferred (or of Precedence when none
// is preferred) that is available.
func Choose(available, preferred []string) (string, error) {
	order := preferred
	if len(order) == 0 {
		order = Precedence
	}
	for _, want := range order {
		for _, have := range available {
			if want == have {
				return have, nil
			}
		}
	}
	if len(available) == 0 {
		return "", fmt.Errorf("no MPM module (mod_mpm_event.so, mod_mpm_worker.so or mod_mpm_prefork.so) found in the modules directory")
	}
	return "", fmt.Errorf("none of %s is available; this Apache has %s", strings.Join(order, ", "), strings.Join(available, ", "))
}

// Spec is what sizing needs to know.
type Spec struct {
	MaxClients int // simultaneous client connections Apache accepts
	// Fractions of MaxClients, 0..1, or negative for the default.
	InitialWorkers, MinimumSpareWorkers, MaximumSpareWorkers float64
	MaxConnectionsPerChild                                   int
}

// Directive is one Apache directive with its (already safe) value.
type Directive struct{ Name, Value string }

// DefaultMaxClients is Apache's front-end capacity for daemon mode: enough
// connections that every daemon thread can be busy with some to spare.
func DefaultMaxClients(processes, threads int) int {
	return 10 + max(10, int(1.5*float64(processes*threads)))
}

func frac(v, def float64) float64 {
	if v < 0 {
		return def
	}
	return v
}

// Size returns the directives sizing Apache's children for the MPM.
func Size(name string, s Spec) []Directive {
	d := func(n string, v int) Directive { return Directive{n, fmt.Sprint(v)} }
	mc := max(1, s.MaxClients)
	switch name {
	case "prefork":
		start := max(1, int(math.Ceil(frac(s.InitialWorkers, 0.1)*float64(mc))))
		minSpare := max(1, int(math.Ceil(frac(s.MinimumSpareWorkers, 0.1)*float64(mc))))
		maxSpare := max(minSpare+1, int(math.Ceil(frac(s.MaximumSpareWorkers, 0.4)*float64(mc))))
		return []Directive{
			d("ServerLimit", mc), d("MaxRequestWorkers", mc), d("StartServers", min(start, mc)),
			d("MinSpareServers", minSpare), d("MaxSpareServers", maxSpare),
			d("MaxConnectionsPerChild", s.MaxConnectionsPerChild),
		}
	default: // event and worker
		tpc := min(mc, 25)
		limit := (mc + tpc - 1) / tpc
		start := max(1, int(math.Ceil(frac(s.InitialWorkers, 0.2)*float64(limit))))
		minSpare := max(1, int(math.Ceil(frac(s.MinimumSpareWorkers, 0.2)*float64(mc))))
		maxSpare := max(minSpare+tpc, int(math.Ceil(frac(s.MaximumSpareWorkers, 0.6)*float64(mc))))
		return []Directive{
			d("ServerLimit", limit), d("ThreadLimit", tpc), d("ThreadsPerChild", tpc),
			d("MaxRequestWorkers", limit*tpc), d("StartServers", min(start, limit)),
			d("MinSpareThreads", minSpare), d("MaxSpareThreads", maxSpare),
			d("MaxConnectionsPerChild", s.MaxConnectionsPerChild),
		}
	}
}
