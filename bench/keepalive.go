package main

import (
	"fmt"
	"os"
	"strings"
)

// scenario is one keep-alive run: a fresh server, wrk with clients
// keep-alive connections for -duration, and mid (a restart) halfway
// through when not nil.
type scenario struct {
	key     string
	python  bool     // the Python mod_wsgi-express instead of ours
	opts    []string // start-server options (before -args)
	clients int
	mid     func(*server)
	midName string
}

const (
	defaultScenarios = "default-50,default-200,p2t10-50,embedded-200,usr1-50,graceful-50"
	extraScenarios   = "python-50,python-200"
)

func allScenarios() []scenario {
	return []scenario{
		{key: "default-50", clients: 50},
		{key: "default-200", clients: 200},
		{key: "p2t10-50", opts: []string{"--processes", "2", "--threads", "10"}, clients: 50},
		{key: "embedded-200", opts: embeddedPerCPU(), clients: 200},
		{key: "usr1-50", clients: 50, mid: (*server).sigusr1, midName: "SIGUSR1 to start-server"},
		{key: "graceful-50", clients: 50, mid: (*server).graceful, midName: "apachectl graceful"},
		{key: "python-50", python: true, clients: 50},
		{key: "python-200", python: true, clients: 200},
	}
}

// keepaliveMode runs the chosen scenarios one after the other.
func keepaliveMode(e *env, repo string) {
	n := orDefault(*rounds, 1)
	chosen := chooseScenarios(orDefault(*scenarioKeys, defaultScenarios))
	header("keep-alive and restarts under load")
	fmt.Printf("wrk -t%d --latency for %s per scenario, a fresh server each; -args %q\n\n", *wrkThreads, *duration, *extra)
	fmt.Println("| scenario | server | clients | halfway | req/s | p99 ms | requests | connect | read | write | timeout | non-2xx | crashed | MPM warnings |")
	fmt.Println("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, sc := range chosen {
		k := kind{key: sc.key, apache: true, argv: ours(sc.opts...)}
		name := strings.TrimSpace("ours " + strings.Join(sc.opts, " ") + " " + *extra)
		if sc.python {
			if e.pyExpress == "" {
				path, err := buildPythonExpress(repo)
				if err != nil {
					fmt.Fprintf(os.Stderr, "bench: skipping %s: %v\n", sc.key, err)
					continue
				}
				e.pyExpress = path
			}
			k.argv, name = pythonExpress(sc.opts...), "Python mod_wsgi-express 6.0.5"
		}
		for i := 0; i < n; i++ {
			s := launch(e, k)
			var mid func()
			if sc.mid != nil {
				mid = func() { sc.mid(s) }
			}
			r := runWrk(s.url, sc.clients, *duration, mid)
			s.stop()
			fmt.Printf("| %s | %s | %d | %s | %.0f | %.1f | %d | %d | %d | %d | %d | %d | %d | %d |\n",
				sc.key, name, sc.clients, orDefault(sc.midName, "-"), r.rps, ms(r.p99), r.requests,
				r.connect, r.read, r.write, r.timeout, r.non2xx, s.crashes(),
				s.errorLogLines("MaxRequestWorkers", "MinSpareThreads", "scoreboard is full"))
			if *showLog {
				fmt.Printf("\n%s error_log:\n%s\n", sc.key, tail(s.root+"/error_log"))
			}
		}
	}
	fmt.Printf("\nload average at the end %s\n", loadavg())
}

func chooseScenarios(keys string) []scenario {
	all := allScenarios()
	var chosen []scenario
	for _, key := range strings.Split(keys, ",") {
		key = strings.TrimSpace(key)
		found := false
		for _, sc := range all {
			if sc.key == key {
				chosen, found = append(chosen, sc), true
			}
		}
		if !found {
			usage(fmt.Sprintf("-scenarios: no scenario %q; choose from %s,%s", key, defaultScenarios, extraScenarios))
		}
	}
	return chosen
}
