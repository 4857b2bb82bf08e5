package templates

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

func TestGoldenDebugConfig(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.Debian(), 0), withApp(func(o *express.Options) { o.EnableDebugger, o.EnableRecorder = true, true }))
	golden(t, "debug.conf", renderFile(t, p, "httpd.conf"))
}

// gdb.cmds runs Apache in debug mode with this server root's httpd.conf
// and the defines apachectl gives it.
func TestGDBCommands(t *testing.T) {
	l := fakehost.Debian()
	l.Files["/usr/bin/gdb"] = ""
	p := resolved(t, fakehost.New(t, l, 0), withApp(func(o *express.Options) { o.EnableGDB = true }))
	cmds := string(renderFile(t, p, "gdb.cmds"))
	if !strings.Contains(cmds, "run -f '"+p.Paths.ConfigFile+"' -DONE_PROCESS ") || !strings.HasSuffix(cmds, " -k start -X\n") {
		t.Errorf("gdb.cmds:\n%s", cmds)
	}
}
