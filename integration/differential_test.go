package integration

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// The differential suite runs the same application with the same options
// under this tool and under the Python mod_wsgi-express 6.0.5 (with the
// mod_wsgi it ships), sends both the same requests, and compares what the
// application sees (its WSGI environ) and what the client gets (status,
// headers, and the body when the application did not write it). Every
// difference found must be fixed or listed in diffKnown
// (differential_cases_test.go) with its reason, and in docs/migration.md.

// diffApp answers with its environ as JSON: every value that is a string,
// number or truth value, wsgi.version, its working directory, and the
// entries of sys.path in its directory, in order. Paths ending in /raise,
// /not-found, /redirect and /cookies get an exception, a 404 of its own, a
// relative redirect and response headers.
const diffApp = `import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path.endswith('/raise'):
        raise RuntimeError('raised on purpose')
    if path.endswith('/not-found'):
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'the application says not found']
    if path.endswith('/redirect'):
        start_response('302 Found', [('Location', '/elsewhere'), ('Content-Type', 'text/plain')])
        return [b'']
    if path.endswith('/cookies'):
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Set-Cookie', 'a=1; Path=/'),
                                  ('Set-Cookie', 'b=2; HttpOnly'), ('X-App', 'yes'), ('Cache-Control', 'no-cache')])
        return [b'cookies']
    env = {}
    for k, v in environ.items():
        if isinstance(v, (str, bool, int, float)) or k == 'wsgi.version':
            env[k] = str(v)
    env['os.getcwd()'] = os.getcwd()
    env['sys.path under the app directory'] = repr([p for p in sys.path if p == here or p.startswith(here + '/')])
    body = json.dumps({'diff-app': env}).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
`

// diffScenario is one set of options and the requests sent to both servers.
// In args, {dir} is the server's copy of the application directory
// ({dir} itself is its working directory), {https} its HTTPS port and
// {shared} a directory both servers read (certificates).
type diffScenario struct {
	name     string
	args     []string
	files    map[string]string // beside app.wsgi, relative to {dir}
	https    bool              // give each server an HTTPS port
	backend  bool              // start a backend for {backend}
	anyHost  bool              // no --host: listen on every interface
	requests []diffRequest
}

// diffRequest is one request written as it goes on the wire. In raw,
// {port} and {https} are the server's ports. want is the status the Python
// tool must answer, so that two servers failing alike do not pass.
type diffRequest struct {
	name string
	tls  bool // to the HTTPS port
	raw  string
	want int
}

// diffAnswer is one server's answer, normalized: its directories and ports
// replaced by {dir}, {root}, {port} and {https}.
type diffAnswer struct {
	status int
	header http.Header
	body   string            // "" when the application wrote it
	env    map[string]string // what the application saw; nil if it did not run
}

// diffServer is one of the two servers of a scenario.
type diffServer struct {
	s     *testenv.Server
	dir   string // its copy of the application directory
	https int    // its HTTPS port, 0 without
}

// normalize replaces the server's directories and ports in s.
func (d *diffServer) normalize(s string) string {
	r := strings.NewReplacer(d.dir, "{dir}", d.s.Root, "{root}")
	s = r.Replace(s)
	if d.https != 0 {
		s = strings.ReplaceAll(s, strconv.Itoa(d.https), "{https}")
	}
	return strings.ReplaceAll(s, strconv.Itoa(d.s.Port), "{port}")
}

// expand puts the server's ports into a request.
func (d *diffServer) expand(s string) string {
	return strings.NewReplacer("{port}", strconv.Itoa(d.s.Port), "{https}", strconv.Itoa(d.https)).Replace(s)
}

// do sends one request to d and reads the answer.
func (d *diffServer) do(rq diffRequest, roots *x509.CertPool) (diffAnswer, error) {
	port := d.s.Port
	if rq.tls {
		port = d.https
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var conn net.Conn
	var err error
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	if rq.tls {
		conn, err = tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	} else {
		conn, err = dialer.Dial("tcp", addr)
	}
	if err != nil {
		return diffAnswer{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	raw := d.expand(rq.raw)
	if _, err := io.WriteString(conn, raw); err != nil {
		return diffAnswer{}, err
	}
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return diffAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return diffAnswer{}, err
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		// Compared uncompressed: the application's body holds the port.
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return diffAnswer{}, fmt.Errorf("gzip body: %v", err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			return diffAnswer{}, fmt.Errorf("gzip body: %v", err)
		}
	}
	a := diffAnswer{status: resp.StatusCode, header: http.Header{}}
	for k, vs := range resp.Header {
		for _, v := range vs {
			a.header.Add(k, d.normalize(v))
		}
	}
	var app struct {
		Env map[string]string `json:"diff-app"`
	}
	if json.Unmarshal(b, &app) == nil && app.Env != nil {
		a.env = map[string]string{}
		for k, v := range app.Env {
			a.env[k] = d.normalize(v)
		}
	} else {
		a.body = d.normalize(string(b))
	}
	return a, nil
}

// diffIgnoredEnv are environ keys whose values differ from one request to
// the next, or one process to the next, under either tool.
var diffIgnoredEnv = map[string]string{
	"REMOTE_PORT":                "the client's ephemeral port",
	"UNIQUE_ID":                  "a per-request identifier",
	"mod_wsgi.request_id":        "a per-request identifier",
	"mod_wsgi.request_start":     "a time stamp",
	"mod_wsgi.queue_start":       "a time stamp",
	"mod_wsgi.daemon_start":      "a time stamp",
	"mod_wsgi.script_start":      "a time stamp",
	"mod_wsgi.application_start": "a time stamp",
	"mod_wsgi.server_pid":        "a process id",
	"mod_wsgi.daemon_connects":   "a count of this process's past requests",
	"mod_wsgi.daemon_restarts":   "a count of this process's past requests",
	"mod_wsgi.thread_id":         "which thread of the pool took the request",
	"mod_wsgi.thread_requests":   "a count of this thread's past requests",
	"mod_wsgi.total_requests":    "a count of this process's past requests",
	"mod_wsgi.connection_id":     "a per-connection identifier",
}

// diffIgnoredHeaders are response headers that differ from one request to
// the next, or follow from what is compared anyway.
var diffIgnoredHeaders = map[string]string{
	"Date":           "the time of the answer",
	"Content-Length": "the length of a body compared itself (the application's holds ports of different lengths)",
}

// diffFields are the compared values of an answer: "status", "header NAME",
// "body" or "env KEY"; missing values are "<none>".
func diffFields(a diffAnswer) map[string]string {
	f := map[string]string{"status": strconv.Itoa(a.status), "body": a.body}
	for k := range a.header {
		if _, ok := diffIgnoredHeaders[k]; !ok {
			f["header "+k] = strings.Join(a.header.Values(k), ", ")
		}
	}
	if a.env == nil {
		f["app ran"] = "no"
	} else {
		f["app ran"] = "yes"
	}
	for k, v := range a.env {
		if _, ok := diffIgnoredEnv[k]; !ok {
			f["env "+k] = v
		}
	}
	return f
}

// diffCompare lists how ours differs from theirs: for each field that
// differs, ours and theirs.
func diffCompare(ours, theirs diffAnswer) map[string][2]string {
	o, th := diffFields(ours), diffFields(theirs)
	out := map[string][2]string{}
	for k := range o {
		if _, ok := th[k]; !ok {
			th[k] = "<none>"
		}
	}
	for k, tv := range th {
		ov, ok := o[k]
		if !ok {
			ov = "<none>"
		}
		if ov != tv {
			out[k] = [2]string{ov, tv}
		}
	}
	return out
}

// diffRecorder collects the known differences seen, to report those that
// no longer happen.
type diffRecorder struct {
	mu   sync.Mutex
	seen map[int]bool
	runs int // scenarios run
}

func (r *diffRecorder) ran() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs++
}

func (r *diffRecorder) saw(i int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[i] = true
}

// diffMtime is the modification time of every file of the application
// directories.
var diffMtime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// diffBackend starts a backend on loopback that answers with the request
// it received: method, path, query and headers, in diffApp's format, for
// the proxies' view to be compared like the application's.
func diffBackend(t *testing.T) string {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env := map[string]string{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "host": r.Host, "proto": r.Proto}
		for k, v := range r.Header {
			env["header "+k] = strings.Join(v, ", ")
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"diff-app": env})
	}))
	t.Cleanup(b.Close)
	return b.URL
}

// startTheirs runs the Python mod_wsgi-express start-server in dir with
// args, on a free port of its own and --server-root in a new directory, as
// root with its children and daemon processes as www-data. It runs without
// a terminal, so it replaces itself with Apache, which is stopped at
// cleanup and checked to leave no process behind.
func startTheirs(t *testing.T, dir string, port int, args []string) *testenv.Server {
	t.Helper()
	py := testenv.PyExpress(t)
	root := filepath.Join(testenv.Dir(t), "root")
	cmd := exec.Command(py.Prog, append([]string{"start-server", "--port", strconv.Itoa(port), "--server-root", root}, args...)...)
	cmd.Dir = dir
	// Nothing of ours reaches it: $MOD_WSGI_MODULE chooses the module of
	// ours, and the Python tool has its own.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOD_WSGI_") && !strings.HasPrefix(kv, "VIRTUAL_ENV=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return testenv.StartCommand(t, cmd, port, root)
}

// startDiff starts ours and theirs for sc, each on a copy of the
// application directory.
func startDiff(t *testing.T, sc diffScenario, shared string) (ours, theirs *diffServer) {
	t.Helper()
	backend := ""
	if sc.backend {
		backend = diffBackend(t)
	}
	mk := func() *diffServer {
		d := &diffServer{dir: testenv.Dir(t)}
		testenv.WriteFile(t, filepath.Join(d.dir, "app.wsgi"), diffApp)
		for name, content := range sc.files {
			if strings.HasSuffix(name, "/") {
				if err := os.MkdirAll(filepath.Join(d.dir, name), 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			testenv.WriteFile(t, filepath.Join(d.dir, name), content)
		}
		// The same modification times in both copies, so that ETag and
		// Last-Modified can be compared.
		filepath.Walk(d.dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil {
				os.Chtimes(p, diffMtime, diffMtime)
			}
			return err
		})
		if sc.https {
			d.https = testenv.FreePort(t)
		}
		return d
	}
	ours, theirs = mk(), mk()
	args := func(d *diffServer) []string {
		// The same account for both: the Python tool runs its children as
		// root's default (nobody) unless told.
		out := []string{"--user", "www-data", "--group", "www-data"}
		r := strings.NewReplacer("{dir}", d.dir, "{https}", strconv.Itoa(d.https), "{shared}", shared, "{backend}", backend)
		for _, a := range sc.args {
			out = append(out, r.Replace(a))
		}
		return out
	}
	host := []string{"--host", "127.0.0.1"}
	if sc.anyHost {
		host = nil
	}
	theirs.s = startTheirs(t, theirs.dir, testenv.FreePort(t), append(host, args(theirs)...))
	if sc.anyHost {
		port := testenv.FreePort(t)
		root := filepath.Join(testenv.Dir(t), "root")
		cmd := testenv.Command(t, ours.dir, append([]string{"start-server", "--port", strconv.Itoa(port), "--server-root", root}, args(ours)...)...)
		ours.s = testenv.StartCommand(t, cmd, port, root)
	} else {
		ours.s = testenv.Start(t, ours.dir, args(ours)...) // with --host 127.0.0.1
	}
	return ours, theirs
}

// TestDifferential runs every scenario of diffScenarios under both tools
// and compares the answers to every request.
func TestDifferential(t *testing.T) {
	testenv.Integration(t)
	testenv.PyExpress(t) // built before the scenarios start, once
	major := testenv.ModuleMajor(t)
	shared := testenv.Dir(t)
	cert := testenv.WriteCert(t, filepath.Join(shared, "server.crt"), filepath.Join(shared, "server.key"), nil)
	rec := &diffRecorder{seen: map[int]bool{}}
	t.Run("scenarios", func(t *testing.T) {
		for _, sc := range diffScenarios {
			t.Run(sc.name, func(t *testing.T) {
				rec.ran()
				t.Parallel()
				ours, theirs := startDiff(t, sc, shared)
				seen := diffSeen{}
				defer func() { seen.report(t, sc.name, major, rec) }()
				for _, rq := range sc.requests {
					th, err := theirs.do(rq, cert.Pool())
					if err != nil {
						t.Errorf("%s: the Python tool: %v\n--- its error_log ---\n%s", rq.name, err, theirs.s.ErrorLog())
						continue
					}
					if th.status != rq.want {
						t.Errorf("%s: the Python tool answered %d, the case expects %d: %v %q", rq.name, th.status, rq.want, th.header, th.body)
					}
					o, err := ours.do(rq, cert.Pool())
					if err != nil {
						t.Errorf("%s: ours: %v\n--- error_log ---\n%s", rq.name, err, ours.s.ErrorLog())
						continue
					}
					seen.add(rq.name, diffCompare(o, th))
				}
			})
		}
	})
	// Only a run of every scenario (no -run selecting some) can tell that
	// a known difference is gone.
	if rec.runs == len(diffScenarios) && !t.Failed() {
		for i, k := range diffKnown {
			if !rec.seen[i] && k.applies(major) {
				t.Errorf("known difference no longer seen (remove it from diffKnown and docs/migration.md): %+v", k)
			}
		}
	}
}

// diffSeen gathers a scenario's differences: for each field and pair of
// values, the requests they were seen in.
type diffSeen map[[3]string][]string

func (d diffSeen) add(request string, diffs map[string][2]string) {
	for f, v := range diffs {
		k := [3]string{f, v[0], v[1]}
		d[k] = append(d[k], request)
	}
}

// report fails the test for each difference not in diffKnown, once per
// field and pair of values, naming the requests.
func (d diffSeen) report(t *testing.T, scenario string, major int, rec *diffRecorder) {
	t.Helper()
	var keys [][3]string
	for k := range d {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.Join(keys[i][:], "\x00") < strings.Join(keys[j][:], "\x00") })
	for _, k := range keys {
		var unknown []string
		for _, request := range d[k] {
			if i := knownIndex(scenario, request, k[0], major); i >= 0 {
				rec.saw(i)
			} else {
				unknown = append(unknown, request)
			}
		}
		if len(unknown) > 0 {
			t.Errorf("%s: ours %q, theirs %q\n\tin: %s", k[0], k[1], k[2], strings.Join(unknown, "; "))
		}
	}
}
