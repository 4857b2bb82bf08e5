package mpm

import (
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	all := []string{"event", "worker", "prefork"}
	cases := []struct {
		avail, preferred, defaults []string
		want                       string
		err                        string
	}{
		{all, nil, Precedence, "event", ""},
		{all, nil, EmbeddedPrecedence, "worker", ""},
		{[]string{"event", "prefork"}, nil, EmbeddedPrecedence, "prefork", ""},
		{[]string{"event"}, nil, EmbeddedPrecedence, "event", ""},
		{all, []string{"prefork", "event"}, Precedence, "prefork", ""},
		{[]string{"event"}, []string{"prefork", "event"}, Precedence, "event", ""},
		{[]string{"event", "worker"}, []string{"prefork"}, Precedence, "", "prefork not available; found: event, worker"},
		{nil, nil, Precedence, "", "no MPM found"},
		{all, nil, DaemonPrecedence, "event", ""},
		{[]string{"worker", "prefork"}, nil, DaemonPrecedence, "worker", ""},
	}
	for _, c := range cases {
		got, err := Choose(c.avail, c.preferred, c.defaults)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Choose(%v, %v) error %v, want one containing %q", c.avail, c.preferred, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Choose(%v, %v, %v) = %q, %v; want %q", c.avail, c.preferred, c.defaults, got, err, c.want)
		}
	}
}

func TestOrder(t *testing.T) {
	all := []string{"event", "worker", "prefork"}
	for _, c := range []struct {
		embedded, daemon bool
		want             string
	}{
		{true, false, "worker"}, // event misbehaves below three threads
		{false, true, "event"},  // relaying: idle keep-alive connections hold no thread
		{false, false, "event"}, // static files only
	} {
		if got, _ := Choose(all, nil, Order(c.embedded, c.daemon)); got != c.want {
			t.Errorf("Order(embedded %v, daemon %v) chooses %q, want %q", c.embedded, c.daemon, got, c.want)
		}
	}
	if got, _ := ChooseFor(all, nil, false); got != "event" {
		t.Errorf("ChooseFor daemon mode = %q, want event", got)
	}
}

func TestMaxClients(t *testing.T) {
	cases := []struct{ p, t, given, want int }{
		{1, 5, 0, 20},    // 10 + max(10, 7)
		{3, 10, 0, 55},   // 10 + 45
		{0, 5, 0, 20},    // processes not given counts as one
		{2, 5, 15, 15},   // given and enough
		{4, 10, 15, 40},  // given but below processes x threads
		{10, 10, 0, 160}, // 10 + 150
	}
	for _, c := range cases {
		if got := MaxClients(c.p, c.t, c.given); got != c.want {
			t.Errorf("MaxClients(%d, %d, %d) = %d, want %d", c.p, c.t, c.given, got, c.want)
		}
	}
}

func render(s Sizing) string {
	var b []string
	for _, d := range s.Directives {
		b = append(b, d.Name+"="+d.Value)
	}
	return strings.Join(b, " ")
}

func TestSize(t *testing.T) {
	def := Spec{Processes: 0, Threads: 5, InitialWorkers: -1, MinimumSpareWorkers: -1, MaximumSpareWorkers: -1}
	with := func(f func(*Spec)) Spec { s := def; f(&s); return s }
	cases := []struct {
		name, mpm string
		spec      Spec
		want      string
		capacity  int
	}{
		{"event default", "event", def,
			"ServerLimit=2 ThreadLimit=256 ThreadsPerChild=256 MaxRequestWorkers=512 StartServers=2 MinSpareThreads=64 MaxSpareThreads=512 AsyncRequestWorkerFactor=0.5 MaxConnectionsPerChild=0 MaxKeepAliveRequests=0 ThreadStackSize=262144", 512},
		{"event max-clients given", "event", with(func(s *Spec) { s.MaxClients = 20 }),
			"ServerLimit=1 ThreadLimit=20 ThreadsPerChild=20 MaxRequestWorkers=20 StartServers=1 MinSpareThreads=5 MaxSpareThreads=20 AsyncRequestWorkerFactor=0.5 MaxConnectionsPerChild=0 MaxKeepAliveRequests=0 ThreadStackSize=262144", 20},
		{"event 8x64: the formula beyond the floor", "event", with(func(s *Spec) { s.Processes, s.Threads = 8, 64 }),
			"ServerLimit=4 ThreadLimit=195 ThreadsPerChild=195 MaxRequestWorkers=780 StartServers=4 MinSpareThreads=48 MaxSpareThreads=780 AsyncRequestWorkerFactor=0.5 MaxConnectionsPerChild=0 MaxKeepAliveRequests=0 ThreadStackSize=262144", 780},
		{"worker 3x10", "worker", with(func(s *Spec) { s.Processes, s.Threads = 3, 10 }),
			"ServerLimit=2 ThreadLimit=256 ThreadsPerChild=256 MaxRequestWorkers=512 StartServers=2 MinSpareThreads=64 MaxSpareThreads=512 MaxConnectionsPerChild=0 MaxKeepAliveRequests=500 ThreadStackSize=262144", 512},
		{"worker 3x10, one fraction given: the Python tool's sizing", "worker", with(func(s *Spec) { s.Processes, s.Threads, s.InitialWorkers = 3, 10, 0.2 }),
			"ServerLimit=4 ThreadLimit=18 ThreadsPerChild=18 MaxRequestWorkers=72 StartServers=1 MinSpareThreads=18 MaxSpareThreads=36 MaxConnectionsPerChild=0 MaxKeepAliveRequests=500 ThreadStackSize=262144", 72},
		{"worker fractions", "worker", with(func(s *Spec) {
			s.MaxClients, s.InitialWorkers, s.MinimumSpareWorkers, s.MaximumSpareWorkers = 100, 1, 0.5, 1
		}),
			"ServerLimit=7 ThreadLimit=16 ThreadsPerChild=16 MaxRequestWorkers=112 StartServers=7 MinSpareThreads=48 MaxSpareThreads=112 MaxConnectionsPerChild=0 MaxKeepAliveRequests=500 ThreadStackSize=262144", 112},
		{"worker spare fractions zero", "worker", with(func(s *Spec) {
			s.InitialWorkers, s.MinimumSpareWorkers, s.MaximumSpareWorkers = 0, 0, 0
		}),
			"ServerLimit=2 ThreadLimit=10 ThreadsPerChild=10 MaxRequestWorkers=20 StartServers=1 MinSpareThreads=10 MaxSpareThreads=20 MaxConnectionsPerChild=0 MaxKeepAliveRequests=500 ThreadStackSize=262144", 20},
		{"prefork default", "prefork", def,
			"ServerLimit=20 MaxRequestWorkers=20 StartServers=1 MinSpareServers=1 MaxSpareServers=2 MaxConnectionsPerChild=0 MaxKeepAliveRequests=500", 20},
		{"prefork fractions", "prefork", with(func(s *Spec) {
			s.MaxClients, s.InitialWorkers, s.MinimumSpareWorkers, s.MaximumSpareWorkers = 40, 0.25, 0.1, 0.5
		}),
			"ServerLimit=40 MaxRequestWorkers=40 StartServers=10 MinSpareServers=4 MaxSpareServers=20 MaxConnectionsPerChild=0 MaxKeepAliveRequests=500", 40},
		{"embedded worker", "worker", with(func(s *Spec) { s.Embedded, s.Processes, s.Threads, s.MaximumRequests = true, 2, 4, 500 }),
			"ServerLimit=2 ThreadLimit=4 ThreadsPerChild=4 MaxRequestWorkers=8 StartServers=2 MinSpareThreads=8 MaxSpareThreads=12 MaxConnectionsPerChild=500 MaxKeepAliveRequests=20", 8},
		{"embedded event ignores max-clients", "event", with(func(s *Spec) { s.Embedded, s.Threads, s.MaxClients = true, 3, 100 }),
			"ServerLimit=1 ThreadLimit=3 ThreadsPerChild=3 MaxRequestWorkers=3 StartServers=1 MinSpareThreads=3 MaxSpareThreads=6 MaxConnectionsPerChild=0 MaxKeepAliveRequests=0", 3},
		{"embedded single process single thread", "worker", with(func(s *Spec) { s.Embedded, s.Processes, s.Threads = true, 1, 1 }),
			"ServerLimit=1 ThreadLimit=1 ThreadsPerChild=1 MaxRequestWorkers=1 StartServers=1 MinSpareThreads=1 MaxSpareThreads=2 MaxConnectionsPerChild=0 MaxKeepAliveRequests=20", 1},
		{"embedded prefork", "prefork", with(func(s *Spec) { s.Embedded, s.Processes, s.Threads = true, 2, 3 }),
			"ServerLimit=6 MaxRequestWorkers=6 StartServers=6 MinSpareServers=6 MaxSpareServers=7 MaxConnectionsPerChild=0 MaxKeepAliveRequests=20", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Size(c.mpm, c.spec)
			if r := render(got); r != c.want {
				t.Errorf("got  %s\nwant %s", r, c.want)
			}
			if got.Capacity != c.capacity {
				t.Errorf("capacity %d, want %d", got.Capacity, c.capacity)
			}
		})
	}
}

// Whatever the options, the directives must satisfy Apache's own
// constraints, so Apache never silently adjusts what the file says.
func TestSizeConsistent(t *testing.T) {
	fr := []float64{-1, 0, 0.05, 0.3, 0.5, 1}
	for _, name := range Precedence {
		for _, embedded := range []bool{false, true} {
			for _, p := range []int{0, 1, 3} {
				for _, th := range []int{1, 2, 5, 25} {
					for _, mc := range []int{0, 7, 50, 300} {
						for _, f := range fr {
							s := Spec{Processes: p, Threads: th, MaxClients: mc, InitialWorkers: f, MinimumSpareWorkers: f, MaximumSpareWorkers: 1 - f, Embedded: embedded}
							checkApacheRules(t, name, s, Size(name, s))
						}
					}
				}
			}
		}
	}
}

func checkApacheRules(t *testing.T, name string, s Spec, z Sizing) {
	t.Helper()
	v := map[string]int{}
	for _, d := range z.Directives {
		var n int
		for _, c := range d.Value {
			n = n*10 + int(c-'0')
		}
		v[d.Name] = n
	}
	bad := func(why string) { t.Errorf("%s %+v: %s: %s", name, s, why, render(z)) }
	if z.Capacity != v["MaxRequestWorkers"] {
		bad("capacity is not MaxRequestWorkers")
	}
	if Threaded(name) {
		if v["ThreadsPerChild"] > v["ThreadLimit"] || v["MaxRequestWorkers"] > v["ServerLimit"]*v["ThreadsPerChild"] ||
			v["MaxRequestWorkers"]%v["ThreadsPerChild"] != 0 || v["StartServers"] > v["ServerLimit"] ||
			v["MaxSpareThreads"] < v["MinSpareThreads"]+v["ThreadsPerChild"] || v["MinSpareThreads"] < 1 {
			bad("breaks a threaded-MPM rule")
		}
	} else if v["MaxRequestWorkers"] > v["ServerLimit"] || v["MaxSpareServers"] < v["MinSpareServers"]+1 || v["MinSpareServers"] < 1 || v["StartServers"] < 1 {
		bad("breaks a prefork rule")
	}
	if !s.Embedded && z.Capacity < max(1, s.Processes)*s.Threads {
		bad("front end smaller than the daemon processes")
	}
	if s.Embedded && z.Capacity != max(1, s.Processes)*s.Threads {
		bad("embedded capacity is not processes x threads")
	}
}
