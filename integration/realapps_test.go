//go:build linux

package integration

// Real applications, installed from Debian's packages and not written here,
// served by mod_wsgi-express and driven by their own clients: Radicale
// (CalDAV, its own htpasswd Basic authentication) and Xandikos (CalDAV)
// with python3-caldav, Mercurial's hgweb with hg, and Dulwich's smart-HTTP
// git server with git and Dulwich's client. Each runs in three modes:
//
//   - daemon: the default, the application in a daemon process;
//   - embedded: --embedded-mode, in Apache's own children (as many as
//     the default gives);
//   - mount: daemon mode under --mount-point /sub, behind a reverse proxy
//     (a TLS-terminating Go proxy on another loopback port, started by the
//     test, reached as https://localhost:PORT) whose X-Forwarded-Host,
//     -Server, -Proto and -Port are trusted: the application's links and
//     checks must name the proxy's URL, not Apache's
//     http://127.0.0.1:PORT.
//
// The applications' files (the small entry points and their
// configuration) are written by the tests; the Python that runs them is
// the mod_wsgi module's, /usr/bin/python3, which sees Debian's
// dist-packages. scripts/install-deps installs the packages.

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// systemPython is the Python of both mod_wsgi modules the tests run
// against, and of the Debian packages' clients.
const systemPython = "/usr/bin/python3"

// realMode is one way of serving an application.
type realMode struct {
	name    string
	args    []string
	proxied bool   // behind the test's TLS reverse proxy
	mount   string // the mount point, "" for /
	summary string // what start-server's summary says of the mode
}

var realModes = []realMode{
	{name: "daemon", summary: "Operating Mode   : daemon"},
	{name: "embedded", args: []string{"--embedded-mode"}, summary: "Operating Mode   : embedded"},
	{name: "mount", proxied: true, mount: "/sub", summary: "Operating Mode   : daemon", args: []string{
		"--mount-point", "/sub",
		"--trust-proxy-header", "X-Forwarded-Host",
		"--trust-proxy-header", "X-Forwarded-Server",
		"--trust-proxy-header", "X-Forwarded-Proto",
		"--trust-proxy-header", "X-Forwarded-Port",
		"--trust-proxy", "127.0.0.1",
	}},
}

// realSite is an application being served in one mode, and what its
// clients need: the URL they use, a home of their own, the proxy's CA.
type realSite struct {
	t      *testing.T
	mode   realMode
	server *testenv.Server
	// URL is the application's URL as its clients see it, without a
	// trailing slash: http://127.0.0.1:PORT, or through the proxy
	// https://localhost:PROXYPORT/sub.
	URL    string
	CACert string // the proxy's CA certificate, "" when not proxied
	Home   string // HOME of the clients
	http   *http.Client
}

// realPreflight fails the test, naming the fix, unless the applications'
// Debian packages and the clients are installed: a missing package must
// not pass or skip.
func realPreflight(t *testing.T, pythonModules []string, commands ...string) {
	t.Helper()
	testenv.Integration(t)
	for _, c := range commands {
		if _, err := exec.LookPath(c); err != nil {
			t.Fatalf("%s is not installed: run scripts/install-deps", c)
		}
	}
	if len(pythonModules) > 0 {
		out, err := exec.Command(systemPython, "-c", "import "+strings.Join(pythonModules, ", ")).CombinedOutput()
		if err != nil {
			t.Fatalf("%s cannot import %s (run scripts/install-deps): %v\n%s", systemPython, strings.Join(pythonModules, ", "), err, out)
		}
	}
}

// forEachRealMode runs fn as a parallel subtest for each mode.
func forEachRealMode(t *testing.T, fn func(t *testing.T, m realMode)) {
	t.Helper()
	for _, m := range realModes {
		m := m
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			fn(t, m)
		})
	}
}

// serveReal starts mod_wsgi-express in dir with args (the entry point
// and its options) in mode m, and the proxy in front when m has one.
func serveReal(t *testing.T, m realMode, dir string, args ...string) *realSite {
	t.Helper()
	s := testenv.Start(t, dir, append(append([]string{}, args...), m.args...)...)
	for _, want := range []string{m.summary, "(mod_wsgi " + testenv.ModuleVersion(t) + ","} {
		if !strings.Contains(s.Output(), want) {
			t.Fatalf("start-server's summary lacks %q:\n%s", want, s.Output())
		}
	}
	site := &realSite{t: t, mode: m, server: s, URL: s.URL, Home: t.TempDir(),
		http: &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if m.proxied {
		public, ca := startRealProxy(t, s)
		site.URL = public + m.mount
		site.CACert = ca.CertFile
		site.http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}
	}
	site.writeClientConfig()
	return site
}

// startRealProxy starts a TLS reverse proxy on a free loopback port in
// front of s, as Apache's mod_proxy would be (with RequestHeader lines for
// the scheme and port): it passes requests on unchanged (path, Destination
// and all) with Host naming the backend, and tells the backend what the
// client asked for in X-Forwarded-Host (host and port), X-Forwarded-Server
// (host name), X-Forwarded-Proto and X-Forwarded-Port. Clients reach it as
// https://localhost:PORT, a name its certificate holds (hg checks only DNS
// names). It returns that URL and the CA that signed the certificate.
func startRealProxy(t *testing.T, s *testenv.Server) (string, *testenv.Cert) {
	t.Helper()
	dir := t.TempDir()
	ca := testenv.WriteCA(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	cert := testenv.WriteCert(t, filepath.Join(dir, "proxy.crt"), filepath.Join(dir, "proxy.key"), ca)
	backend, _ := url.Parse(s.URL)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backend)
			r.Out.Host = backend.Host
			r.Out.Header.Set("X-Forwarded-Host", r.In.Host)
			if host, _, err := net.SplitHostPort(r.In.Host); err == nil {
				r.Out.Header.Set("X-Forwarded-Server", host)
			}
			r.Out.Header.Set("X-Forwarded-Proto", "https")
			r.Out.Header.Set("X-Forwarded-Port", port)
		},
		FlushInterval: -1,
	}
	srv := &http.Server{Handler: rp, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.TLS}}, ReadHeaderTimeout: 30 * time.Second}
	go srv.ServeTLS(l, "", "")
	t.Cleanup(func() { srv.Close() })
	return "https://localhost:" + port, ca
}

// writeClientConfig gives the clients a home of their own: who commits,
// and which CA to trust for the proxy (git and Dulwich read ~/.gitconfig;
// hg reads only ~/.hgrc, through $HGRCPATH).
func (s *realSite) writeClientConfig() {
	git := "[user]\n\tname = Real Apps\n\temail = realapps@example.test\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
	hg := "[ui]\nusername = Real Apps <realapps@example.test>\n"
	if s.CACert != "" {
		git += "[http]\n\tsslCAInfo = " + s.CACert + "\n"
		hg += "[web]\ncacerts = " + s.CACert + "\n"
	}
	testenv.WriteFile(s.t, filepath.Join(s.Home, ".gitconfig"), git)
	testenv.WriteFile(s.t, filepath.Join(s.Home, ".hgrc"), hg)
}

// env is the clients' environment: this process's, less whatever would
// let the user's or the machine's configuration or a proxy in.
func (s *realSite) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		lk := strings.ToLower(k)
		if strings.HasSuffix(lk, "_proxy") || strings.HasPrefix(k, "GIT_") || strings.HasPrefix(k, "HG") ||
			strings.HasPrefix(k, "PYTHON") || strings.HasPrefix(k, "XDG_") || strings.HasPrefix(k, "LC_") ||
			k == "HOME" || k == "LANG" || k == "REQUESTS_CA_BUNDLE" || k == "CURL_CA_BUNDLE" || k == "SSL_CERT_FILE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+s.Home, "XDG_CONFIG_HOME="+filepath.Join(s.Home, ".config"),
		"HGRCPATH="+filepath.Join(s.Home, ".hgrc"), "HGPLAIN=1", "HGENCODING=utf-8",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1")
}

// run runs a client in dir, in a process group of its own that is killed
// if it outlives its deadline, and returns what it printed; it fails the
// test, with the server's error log, if the client fails.
func (s *realSite) run(dir, name string, args ...string) string {
	s.t.Helper()
	out, err := s.try(dir, name, args...)
	if err != nil {
		log := "(no server yet)"
		if s.server != nil {
			log = s.server.ErrorLog()
		}
		s.t.Fatalf("%s %s (%s mode): %v\n%s\n--- error_log ---\n%s", name, strings.Join(args, " "), s.mode.name, err, out, log)
	}
	return out
}

// try runs a client as run does, returning its failure instead.
func (s *realSite) try(dir, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = s.env()
	cmd.Stdin = nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// get fetches path (under URL) as a client of the site would, through
// the proxy when there is one.
func (s *realSite) get(path string) (int, http.Header, string) {
	s.t.Helper()
	resp, err := s.http.Get(s.URL + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v\n--- error_log ---\n%s", s.URL+path, err, s.server.ErrorLog())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// wwwData is the account Apache's children and the application run as
// when the tests (as root) start a server.
func wwwData(t *testing.T) (int, int) {
	t.Helper()
	u, err := user.Lookup("www-data")
	if err != nil {
		t.Fatalf("no www-data account: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// giveToApp makes the tree at path the application's own, as an
// administrator would (chown -R www-data:), for the data it writes.
func giveToApp(t *testing.T, path string) {
	t.Helper()
	uid, gid := wwwData(t)
	err := filepath.Walk(path, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pyStr is s as a Python string literal (the paths here are ASCII, for
// which Go's quoting is Python's).
func pyStr(s string) string {
	for _, r := range s {
		if r > 0x7e || r < 0x20 {
			panic(fmt.Sprintf("pyStr: %q is not printable ASCII", s))
		}
	}
	return strconv.Quote(s)
}
