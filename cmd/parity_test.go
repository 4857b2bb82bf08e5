package cmd

import (
	"bufio"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/mpm"
)

// readNames reads one option name per line, skipping blank lines and #
// comments. A missing file reads as no names.
func readNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return names
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			names[l] = true
		}
	}
	return names
}

// Every option of upstream's mod_wsgi-express start-server is a flag of our
// start-server, under the same name (hidden ones count). Names listed in
// testdata/upstream_options_pending.txt are options other branches are
// adding; once one exists, its pending line must go, so the list empties
// as the work lands and the check becomes complete.
func TestUpstreamOptionParity(t *testing.T) {
	upstream := readNames(t, "testdata/upstream_options.txt")
	if len(upstream) < 100 {
		t.Fatalf("only %d names in testdata/upstream_options.txt", len(upstream))
	}
	pending := readNames(t, "testdata/upstream_options_pending.txt")
	c := NewCmdStartServer(DefaultFactory(), nil)
	var missing, stale []string
	for name := range upstream {
		have := c.Flags().Lookup(name) != nil
		switch {
		case !have && !pending[name]:
			missing = append(missing, "--"+name)
		case have && pending[name]:
			stale = append(stale, name)
		}
	}
	for name := range pending {
		if !upstream[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("upstream start-server options missing here: %s", strings.Join(missing, " "))
	}
	if len(stale) > 0 {
		t.Errorf("remove from testdata/upstream_options_pending.txt (the option exists now, or is not upstream's): %s", strings.Join(stale, " "))
	}
	if len(pending) > 0 {
		t.Logf("%d upstream options still pending", len(pending))
	}
}

// knownDifferences lists start-server options whose default is not
// upstream's, each with what differs. TestUpstreamDefaults skips them and
// fails once one of them agrees again, so the entry can go.
var knownDifferences = map[string]string{
	// mod_wsgi retries a connection to a full backlog after 0.125 s, then
	// every second: with Apache's 512 threads passing requests on, 100 made
	// queued requests overtake each other and wait seconds.
	"daemon-backlog": "Apache's capacity, at least 100",
}

// readDefaults reads testdata/upstream_defaults.txt: NAME<TAB>DEFAULT lines,
// "" standing for an empty string.
func readDefaults(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defs := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, def, ok := strings.Cut(l, "\t")
		if !ok || name == "" {
			t.Fatalf("%s:%d: want NAME<TAB>DEFAULT, got %q", path, n, l)
		}
		if def == `""` {
			def = ""
		}
		if _, dup := defs[name]; dup {
			t.Fatalf("%s:%d: %s listed twice", path, n, name)
		}
		defs[name] = def
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return defs
}

// numericFlag reports whether a flag's value is a number, so "1" and "1.0"
// are the same default.
func numericFlag(f *pflag.Flag) bool {
	switch f.Value.Type() {
	case "int", "int64", "float64", "fraction":
		return true
	}
	return false
}

// unsetDefault reports whether a flag's default means "not given", leaving
// the value to be worked out at run time.
func unsetDefault(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "0", "[]":
		return true
	}
	return false
}

// Every start-server option with a default upstream has the same default
// here (testdata/upstream_defaults.txt). An upstream default that is worked
// out at run time ("computed") must not be a fixed value here either.
func TestUpstreamDefaults(t *testing.T) {
	upstream := readNames(t, "testdata/upstream_options.txt")
	defs := readDefaults(t, "testdata/upstream_defaults.txt")
	if len(defs) < 50 {
		t.Fatalf("only %d defaults in testdata/upstream_defaults.txt", len(defs))
	}
	c := NewCmdStartServer(DefaultFactory(), nil)
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := defs[name]
		if !upstream[name] {
			t.Errorf("%s: in upstream_defaults.txt but not in upstream_options.txt", name)
			continue
		}
		f := c.Flags().Lookup(name)
		if f == nil {
			t.Errorf("--%s: no such start-server flag", name)
			continue
		}
		var same bool
		switch {
		case want == "computed":
			same = unsetDefault(f)
		case numericFlag(f):
			w, err1 := strconv.ParseFloat(want, 64)
			g, err2 := strconv.ParseFloat(f.DefValue, 64)
			same = err1 == nil && err2 == nil && w == g
		default:
			same = f.DefValue == want
		}
		_, known := knownDifferences[name]
		switch {
		case !same && !known:
			t.Errorf("--%s: default %q, upstream's is %q", name, f.DefValue, want)
		case same && known:
			t.Errorf("--%s: default now agrees with upstream's (%q); remove it from knownDifferences", name, want)
		}
	}
	for name := range knownDifferences {
		if _, ok := defs[name]; !ok {
			t.Errorf("knownDifferences has %s, which upstream_defaults.txt does not list", name)
		}
	}
}

// Without --max-clients, Apache's capacity starts from the formula of
// upstream's setup_server (raised to mpm.Relay for threaded children in
// daemon mode): processes (default one) times threads, plus half as
// many again and ten, at least twenty in all; a --max-clients below
// processes times threads is raised to it.
func TestUpstreamComputedMaxClients(t *testing.T) {
	upstreamMaxClients := func(processes, threads, given int) int {
		if processes == 0 { // --processes not given: one process
			processes = 1
		}
		n := processes * threads
		if given != 0 {
			return max(given, n)
		}
		return 10 + max(10, int(1.5*float64(n)))
	}
	for _, s := range [][3]int{{0, 5, 0}, {1, 5, 0}, {0, 1, 0}, {3, 5, 0}, {4, 25, 0}, {2, 5, 4}, {2, 5, 40}} {
		if got, want := mpm.MaxClients(s[0], s[1], s[2]), upstreamMaxClients(s[0], s[1], s[2]); got != want {
			t.Errorf("processes %d, threads %d, max-clients %d: capacity %d, upstream's %d", s[0], s[1], s[2], got, want)
		}
	}
}
