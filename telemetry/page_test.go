package telemetry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPageSelfContained: the live page and its files load nothing from
// elsewhere, hold no inline script or style, and their
// Content-Security-Policy allows only same-origin files and the API.
func TestPageSelfContained(t *testing.T) {
	srv := httptest.NewServer(Handler(NewStore(Options{})))
	defer srv.Close()
	get := func(path string) (string, *http.Response) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), resp
	}
	html, resp := get("/")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows something unsafe", csp)
	}
	// Every src and href is a file of the page (or a tab's anchor).
	refs := regexp.MustCompile(`(?i)(src|href)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(html, -1)
	files := map[string]bool{}
	for _, m := range refs {
		switch {
		case strings.HasPrefix(m[2], "#"):
		case regexp.MustCompile(`^[a-z]+\.(js|css|svg)$`).MatchString(m[2]):
			files[m[2]] = true
		default:
			t.Errorf("the page refers to %q, not one of its own files", m[2])
		}
	}
	if !files["app.js"] || !files["charts.js"] || !files["app.css"] || !files["favicon.svg"] {
		t.Errorf("the page loads %v, want app.js, charts.js and app.css", files)
	}
	if regexp.MustCompile(`(?i)<script>|<style|\sstyle=|\son[a-z]+=`).MatchString(html) {
		t.Error("the page has inline script, style or event handlers, which its CSP forbids")
	}
	types := map[string]string{"app.js": "text/javascript; charset=utf-8", "charts.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}
	for name, ctype := range types {
		body, resp := get("/" + name)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET /%s: %s %q", name, resp.Status, resp.Header.Get("Content-Type"))
		}
		// Nothing from elsewhere (the SVG namespace is a name, not a fetch).
		rest := strings.ReplaceAll(body, `"http://www.w3.org/2000/svg"`, "")
		if m := regexp.MustCompile(`(?i)https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\((?:[^#)])`).FindString(rest); m != "" {
			t.Errorf("%s refers to an external resource: %q", name, m)
		}
		// Values from the wire go in as text, never as HTML.
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", `setAttribute("style"`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
	for _, path := range []string{"/index.html", "/nope.js", "/page.go"} {
		if _, resp := get(path); resp.StatusCode != 404 {
			t.Errorf("GET %s: %s, want 404", path, resp.Status)
		}
	}
	for _, id := range []string{`id="k-rps"`, `id="k-cap"`, `id="k-err"`, `id="windows"`, `id="needs6"`,
		`id="view-overview"`, `id="view-latency"`, `id="view-processes"`, `id="view-slow"`, `id="view-gc"`, `id="view-gil"`} {
		if !strings.Contains(html, id) {
			t.Errorf("page lacks %s", id)
		}
	}
}
