package templates

import (
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/express"
	"github.com/modwsgi-go/mod_wsgi-express/internal/fakehost"
)

// --graceful-stop-timeout 0 leaves Apache's GracefulShutdownTimeout unset
// (SIGTERM stops at once; apachectl graceful-stop waits as Apache does).
func TestGracefulStopTimeoutZero(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.Debian(), 0), withApp(func(o *express.Options) { o.GracefulStopTimeout = 0 }))
	if conf := string(renderFile(t, p, "httpd.conf")); strings.Contains(conf, "GracefulShutdownTimeout") {
		t.Errorf("GracefulShutdownTimeout with --graceful-stop-timeout 0")
	}
	p = resolved(t, fakehost.New(t, fakehost.Debian(), 0), withApp(func(o *express.Options) { o.GracefulStopTimeout = 12 }))
	if conf := string(renderFile(t, p, "httpd.conf")); !strings.Contains(conf, "\nGracefulShutdownTimeout 12\n") {
		t.Errorf("no GracefulShutdownTimeout 12")
	}
}

// The probes come last in every site, after any <Location "/"> that
// restricts it; with nothing to wait for, readiness is liveness' file; the
// access log leaves both out; the liveness file is written.
func TestProbesRendered(t *testing.T) {
	p := resolved(t, fakehost.New(t, fakehost.Debian(), 0), withApp(func(o *express.Options) {
		o.AllowLocalhost, o.AccessLog = true, true
	}))
	conf := string(renderFile(t, p, "httpd.conf"))
	live := strings.LastIndex(conf, `<Location "`+express.LivePath+`">`)
	local := strings.LastIndex(conf, "Require local")
	if live < 0 || live < local {
		t.Errorf("the probes do not come after --allow-localhost's Require local:\n%s", conf)
	}
	if !strings.Contains(conf, "%{REQUEST_URI} != '"+express.LivePath+"' && %{REQUEST_URI} != '"+express.ReadyPath+"'") {
		t.Errorf("the access log does not leave the probes out")
	}
	if !strings.Contains(conf, "RewriteRule ^ - [R=503]") {
		t.Errorf("readiness does not answer 503 without the mark")
	}
	if got := string(renderFile(t, p, "alive.txt")); got != "alive\n" {
		t.Errorf("alive.txt: %q", got)
	}

	s := resolved(t, fakehost.New(t, fakehost.Debian(), 0), func(o *express.Options) { o.ApplicationType, o.EntryPoint = "static", "site" })
	conf = string(renderFile(t, s, "httpd.conf"))
	ready := conf[strings.Index(conf, `<Location "`+express.ReadyPath+`">`):]
	ready = ready[:strings.Index(ready, "</Location>")]
	if !strings.Contains(ready, s.Probes.LiveFile) || strings.Contains(ready, "R=503") {
		t.Errorf("a static site's readiness is not its liveness:\n%s", ready)
	}
}
