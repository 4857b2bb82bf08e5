package discover

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/mpm"
)

// The MPMs an Apache offers: the loadable ones in precedence order, or,
// when the modules directory has none, the one compiled into httpd.
func TestMPMs(t *testing.T) {
	cases := []struct {
		files    []string
		compiled string // httpd -l
		want     string
		builtin  string
	}{
		{[]string{"mod_mpm_prefork.so", "mod_mpm_event.so", "mod_mpm_worker.so"}, "", "event,worker,prefork", ""},
		{[]string{"mod_mpm_prefork.so", "mod_alias.so"}, "", "prefork", ""},
		{[]string{"mod_alias.so"}, "", "", ""},
		{nil, "core.c\nworker.c\nhttp_core.c\n", "worker", "worker"},
	}
	for _, c := range cases {
		m := &Modules{Dir: "/m", files: map[string]bool{}}
		for _, f := range c.files {
			m.files[f] = true
		}
		m.once.Do(func() { m.compiled = c.compiled })
		got, builtin := m.MPMs(mpm.Precedence)
		if strings.Join(got, ",") != c.want || builtin != c.builtin {
			t.Errorf("files %v, httpd -l %q: MPMs %q builtin %q, want %q %q", c.files, c.compiled, got, builtin, c.want, c.builtin)
		}
	}
}
