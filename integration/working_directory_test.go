package integration

import (
	"path/filepath"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// The application runs in --working-directory in embedded mode too, as with
// the Python tool (whose apachectl changes to it before starting Apache):
// there the application lives in Apache's children, which inherit Apache's
// current directory; daemon processes get it from home=.
func TestEmbeddedModeWorkingDirectory(t *testing.T) {
	dir := testenv.Dir(t)
	work := filepath.Join(dir, "work")
	testenv.WriteFile(t, filepath.Join(work, "marker"), "")
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	for _, mode := range [][]string{{"--embedded-mode"}, {}} {
		s := testenv.Start(t, dir, append([]string{"app.wsgi", "--working-directory", work}, mode...)...)
		if got := field(s.MustGet("/"), "cwd"); got != work {
			t.Errorf("%v: the application runs in %q, want %q", mode, got, work)
		}
	}
}
