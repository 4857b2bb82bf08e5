package cmd

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
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
