package supervisor

import (
	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// Launch is not available on Windows: running Apache under start-server
// rests on process groups and POSIX signals (supervisor.go, stop.go).
// start-server refuses to run there before it gets this far (cmd).
func Launch(p *express.Plan, s iostreams.IOStreams) error {
	return &fault.UsageError{Msg: "start-server does not run Apache on Windows; use module-config to load mod_wsgi into your own Apache"}
}
