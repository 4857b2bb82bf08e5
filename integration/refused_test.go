package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// refusedCase is a setup-server command line that must be refused, and
// what its message must say.
type refusedCase struct {
	args []string
	want []string
}

// wantRefused runs setup-server in dir with prefix and each case's
// arguments, and checks it is refused as bad input should be: exit status
// 2, a message saying each of want, and no server root written.
func wantRefused(t *testing.T, dir string, prefix []string, cases []refusedCase) {
	t.Helper()
	for _, c := range cases {
		root := filepath.Join(dir, "root")
		args := append(append([]string{"setup-server", "--server-root", root}, prefix...), c.args...)
		out, code := testenv.Run(t, dir, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", c.args, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: message lacks %q:\n%s", c.args, w, out)
			}
		}
		if _, err := os.Stat(root); err == nil {
			t.Errorf("%q: the server root was written despite the error", c.args)
			os.RemoveAll(root)
		}
	}
}
