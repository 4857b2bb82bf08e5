package supervisor

import (
	"os"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// Signals: only Ctrl-C, on Windows.
func Signals() []os.Signal { return []os.Signal{os.Interrupt} }

// Launch is not available on Windows: running Apache under start-server
// rests on process groups and POSIX signals (supervisor.go, stop.go).
// start-server refuses to run there before it gets this far (cmd).
func Launch(p *express.Plan, s iostreams.IOStreams, sigs <-chan os.Signal) error {
	return &fault.UsageError{Msg: "start-server does not run Apache on Windows; use module-config to load mod_wsgi into your own Apache"}
}
