package express

import (
	"path/filepath"
	"regexp"
)

// The probes are two URL paths that Apache answers itself, in every site,
// for a load balancer or Kubernetes to ask whether the server is alive and
// whether it is ready (docs/kubernetes.md). They have no options: the
// paths are chosen not to collide with an application's, and a site's
// access rules do not apply to them.
//
//   - Liveness answers 200 from a file in the server root: Apache answers,
//     without calling into the application (in daemon mode, even while the
//     application is loading or failing to load).
//   - Readiness answers 200 once the application has loaded, 503 before
//     and after a failed load. The Python handler writes a marker file when
//     loading the application succeeds and removes it when loading fails
//     (express_runtime.py); Apache answers from that file. In a daemon
//     process group of several processes, 200 means that the latest load,
//     in whichever process, succeeded: a daemon process only takes requests
//     once it has loaded the application (WSGIImportScript runs before its
//     threads accept), so requests only reach processes that loaded it.
//     Restarting daemon processes (maximum-requests, SIGUSR1) keep the
//     state: requests wait in the queue while they load again.
//   - Without a preload (an --application-group naming a per-request
//     interpreter, or a static site) there is nothing to wait for, and
//     readiness answers as liveness does.
const (
	LivePath  = "/.mod_wsgi-express/live"
	ReadyPath = "/.mod_wsgi-express/ready"
)

// ProbesPlan is where the probes are answered from.
type ProbesPlan struct {
	LivePath, ReadyPath string
	Pattern             string // a regular expression matching both paths
	LiveFile            string // in the server root, written with it
	// ReadyDir holds ReadyFile and is writable by the account the
	// application runs as; "" when readiness is liveness.
	ReadyDir, ReadyFile string
}

// probes places the probes' files in the server root.
func (r *resolver) probes() error {
	p := r.p
	pr := &p.Probes
	pr.LivePath, pr.ReadyPath = LivePath, ReadyPath
	pr.Pattern = "^(" + regexp.QuoteMeta(LivePath) + "|" + regexp.QuoteMeta(ReadyPath) + ")$"
	pr.LiveFile = filepath.Join(p.Paths.ServerRoot, "alive.txt")
	r.addFile(OutputFile{Name: filepath.Base(pr.LiveFile), Text: "alive\n", Mode: 0o640, ChildRead: true})
	if !p.Application.Static && p.Application.Preload {
		pr.ReadyDir = filepath.Join(p.Paths.ServerRoot, "ready")
		pr.ReadyFile = filepath.Join(pr.ReadyDir, "ready.txt")
		// Writable by the application, which marks itself loaded there;
		// the new server is not ready before it has (no mark of an
		// earlier run is kept).
		r.addDir(OutputDir{Path: pr.ReadyDir, Mode: 0o700, Owner: DirApplication, Replace: true, Stale: []string{pr.ReadyFile}})
	}
	return nil
}
