//go:build !windows

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// pageViews are the live page's tabs.
var pageViews = []string{"overview", "latency", "processes", "slow", "gc", "gil"}

// browser is headless Chromium driven over the DevTools protocol, with
// every console error or warning, uncaught exception and failed load
// collected.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	testenv.Integration(t)
	profile := testenv.Dir(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900), chromedp.Flag("hide-scrollbars", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &browser{ctx: ctx}
	msgs := chromedp.Console(ctx) // starts the browser
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
				b.mu.Lock()
				b.errs = append(b.errs, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		<-done
		testenv.AssertNoProcesses(t, 0, profile)
	})
	return b
}

// do runs actions, each bounded in time.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("chromium: %v", err)
	}
}

// evalJS evaluates a JavaScript expression in the page.
func evalJS[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("chromium: evaluating %s: %v", js, err)
	}
	return v
}

// click clicks the element sel finds, found and clicked in one step in
// the page: the page redraws its tables every poll, so a node chromedp
// found could be gone by the time it clicks it.
func (b *browser) click(t *testing.T, sel string) {
	t.Helper()
	if !evalJS[bool](t, b, fmt.Sprintf(`(e => e !== null && (e.click(), true))(document.querySelector(%q))`, sel)) {
		t.Fatalf("nothing to click at %s", sel)
	}
}

// choose sets a <select>'s value as a user would: its change event fires.
func (b *browser) choose(t *testing.T, sel, value string) {
	t.Helper()
	evalJS[bool](t, b, fmt.Sprintf(`(e => (e.value = %q, e.dispatchEvent(new Event("change"))))(document.querySelector(%q))`, value, sel))
}

// eval evaluates js and decodes its value (as JSON) into out.
func (b *browser) eval(t *testing.T, js string, out any) {
	t.Helper()
	v := evalJS[string](t, b, "JSON.stringify("+js+")")
	if err := json.Unmarshal([]byte(v), out); err != nil {
		t.Fatalf("%s gave %s: %v", js, v, err)
	}
}

// wait polls js (an expression) until it is true; show explains a failure.
func (b *browser) wait(t *testing.T, what, js, show string) {
	t.Helper()
	for deadline := time.Now().Add(45 * time.Second); !evalJS[bool](t, b, "!!("+js+")"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s: %s", what, evalJS[string](t, b, "String("+show+")"))
		}
	}
}

func (b *browser) noErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(b.errs, "\n"))
	}
	b.errs = nil
}

// shot takes a 1280x900 screenshot of the page as it is into dir (when
// set) as telemetry-NAME.png.
func (b *browser) shot(t *testing.T, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	evalJS[bool](t, b, "(window.scrollTo(0, 0), true)")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil || len(png) < 1000 {
		t.Fatalf("screenshot of %s: %d bytes, %v", name, len(png), err)
	}
	if dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "telemetry-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pageExpect is what a run of the page checks may count on.
type pageExpect struct {
	native   bool   // mod_wsgi 6: GC, GIL and phases are charted; else the page says they need 6
	module   string // the module version the page must name (4.x)
	slowID   string // a slow request's id to drill into ("": the first row)
	slowPath string // its path
	base     string // the page's URL, under which the API is
	restarts bool   // restart markers must be drawn
	// gilSeries: /api/gil gives each group's contention over time (the
	// fixtures do; the real server does with mod_wsgi 6)
	gilSeries bool
}

const (
	jsUpdated = `document.getElementById("status").textContent.startsWith("updated")`
	jsState   = `document.body.dataset.view + " " + document.getElementById("status").textContent + " " + document.getElementById("apierr").textContent`
)

// jsCharts is an expression: the svg charts of a view as [id, t0, t1, points].
func jsCharts(view string) string {
	return `[...document.querySelectorAll("#view-` + view + ` .plot")].filter(p => !p.closest("[hidden]")).map(p => {
		const s = p.querySelector("svg.chart");
		const time = s && s.dataset.t0 !== undefined;
		return [p.id, time ? +s.dataset.t0 : null, time ? +s.dataset.t1 : null,
			s ? +(s.dataset.points || s.dataset.bars || 0) : p.querySelector(".note") ? -1 : 0];
	})`
}

// checkPage opens the page at base and checks every view: drawn without
// a console error, the window picker changing each chart's span, the
// drill-down, and (mod_wsgi 4.x) the notice of what needs mod_wsgi 6.
// Screenshots go to shots when it is set.
func checkPage(t *testing.T, base string, want pageExpect, shots string) {
	b := newBrowser(t)
	b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"#overview"))
	b.wait(t, "the page's first update", jsUpdated, jsState)

	for _, view := range pageViews {
		t.Run(view, func(t *testing.T) {
			for _, w := range []int{60, 900, 300} {
				b.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#windows button[data-window="%d"]`, w))))
				// The tab links carry the window: follow the tab's own link.
				b.do(t, chromedp.Click(chromedp.CSS(`#tabs a[data-view="`+view+`"]`)))
				if view == "gc" && !want.native || view == "gil" && !want.native {
					missing := "#" + view + "-missing"
					b.wait(t, view+" saying it needs mod_wsgi 6", `!document.querySelector("`+missing+`").hidden && document.querySelector("`+missing+`").textContent.includes("mod_wsgi 6")`, jsState)
					continue
				}
				if view == "slow" { // its one chart is the drill-down's
					b.wait(t, "the slow requests' table", `document.body.dataset.view === "slow" && document.querySelectorAll("#t-slow tbody tr").length > 0`, jsState)
					continue
				}
				// Each chart drawn, spanning the chosen window.
				b.wait(t, fmt.Sprintf("%s's charts over %d s", view, w), fmt.Sprintf(`document.body.dataset.view === %q && %s.length > 0 &&
					%s.every(c => c[3] !== 0 && (c[1] === null || Math.abs(c[2] - c[1] - %d) < 0.5))`, view, jsCharts(view), jsCharts(view), w),
					`JSON.stringify(`+jsCharts(view)+`) + " " + `+jsState)
			}
			// Only this view shows.
			var shown []string
			b.eval(t, `[...document.querySelectorAll(".view")].filter(v => v.offsetParent !== null).map(v => v.id)`, &shown)
			if fmt.Sprint(shown) != "[view-"+view+"]" {
				t.Errorf("views shown: %v, want view-%s alone", shown, view)
			}
			checkView(t, b, view, want)
			b.noErrors(t)
			b.shot(t, shots, view)
		})
	}

	if !want.native {
		var notice string
		b.eval(t, `document.getElementById("needs6").hidden ? "" : document.getElementById("needs6").textContent`, &notice)
		for _, s := range []string{"mod_wsgi " + want.module, "needs mod_wsgi 6", "GC", "GIL"} {
			if !strings.Contains(notice, s) {
				t.Errorf("the page's notice for mod_wsgi %s does not say %q: %q", want.module, s, notice)
			}
		}
		// A click on it gives the reasons.
		b.do(t, chromedp.Click(chromedp.CSS("#needs6 summary")))
		b.wait(t, "the reasons of the notice", `document.getElementById("needs6-list").offsetParent !== null &&
			document.getElementById("needs6-list").innerText.includes("GC:")`, `document.getElementById("needs6").outerHTML`)
	} else {
		var hidden bool
		b.eval(t, `document.getElementById("needs6").hidden`, &hidden)
		if !hidden {
			t.Error("the mod_wsgi 6 page shows the notice of what needs mod_wsgi 6")
		}
	}
	b.noErrors(t)
}

// checkView checks what is particular to a view, the window at 5 minutes.
func checkView(t *testing.T, b *browser, view string, want pageExpect) {
	switch view {
	case "overview":
		b.wait(t, "the header's current rate and window mean", `/^[0-9.]+$/.test(document.getElementById("k-rps").textContent) &&
			/mean over/.test(document.getElementById("k-rps-mean").textContent) && /%$/.test(document.getElementById("k-cap").textContent)`, jsState)
		// Throughput: a stacked area per status class, an error-rate line.
		var names []string
		b.eval(t, `[...document.querySelectorAll("#c-throughput path.series")].map(p => p.dataset.name)`, &names)
		for _, n := range []string{"2xx", "5xx", "error rate"} {
			if !strings.Contains(strings.Join(names, ","), n) {
				t.Errorf("throughput chart has series %v, want %s", names, n)
			}
		}
		// One process chosen: the charts are that process's.
		var opt struct{ Value, PID string }
		b.eval(t, `(o => ({value: o.value, pid: o.value.split(":")[1]}))([...document.querySelectorAll("#scope option")].find(o => o.value.startsWith("p:")))`, &opt)
		b.choose(t, "#scope", opt.Value)
		b.wait(t, "the charts of process "+opt.PID, fmt.Sprintf(`document.getElementById("view-overview").dataset.pid === %q && %s.every(c => c[3] !== 0)`, opt.PID, jsCharts("overview")),
			`document.getElementById("view-overview").dataset.pid + " " + JSON.stringify(`+jsCharts("overview")+`)`)
		b.choose(t, "#scope", "")
		b.wait(t, "the charts of every group", `document.getElementById("view-overview").dataset.pid === "0"`, `document.getElementById("view-overview").dataset.pid`)
		if want.restarts {
			var markers int
			b.eval(t, `document.querySelectorAll("#view-overview svg .marker").length`, &markers)
			if markers < 5 {
				t.Errorf("%d restart markers on the overview's 5 charts, want one per restart on each", markers)
			}
		}
	case "latency":
		// Percentile marks, or one mark saying every request was below the
		// first bucket.
		b.wait(t, "the histogram with percentile marks", `document.querySelectorAll("#c-hist rect.bar").length > 0 &&
			(document.querySelectorAll("#c-hist .pmark").length === 3 || document.querySelectorAll("#c-hist .pmark").length === 1 && /p50 < [15] ms/.test(document.getElementById("hist-stats").textContent))`,
			`document.getElementById("h-hist").textContent + " " + document.getElementById("hist-stats").textContent + " marks " + document.querySelectorAll("#c-hist .pmark").length + " " + `+jsState)
		var phases []string
		b.eval(t, `[...document.querySelectorAll("#phase option")].map(o => o.value)`, &phases)
		if want.native && len(phases) != 8 || !want.native && len(phases) == 0 {
			t.Errorf("phases to choose: %v", phases)
		}
		// The first shown: the whole request, or with 4.x the application.
		var first string
		b.eval(t, `document.getElementById("phase").value`, &first)
		if want.native && first != "request" || !want.native && first != "application" {
			t.Errorf("the latency view opens on phase %q", first)
		}
		// Choosing another phase redraws the histogram for it, and back.
		other := phases[len(phases)-1]
		if other == first {
			other = phases[0]
		}
		for _, p := range []string{other, first} {
			b.choose(t, "#phase", p)
			b.wait(t, "the histogram of phase "+p, `document.getElementById("h-hist").textContent.includes(`+fmt.Sprintf("%q", phaseLabel(p)+",")+`)`, `document.getElementById("h-hist").textContent`)
		}
		if !want.native {
			var note string
			b.eval(t, `document.getElementById("phases-note").textContent`, &note)
			if !strings.Contains(note, "mod_wsgi 6") {
				t.Errorf("the latency view does not say which phases need mod_wsgi 6: %q", note)
			}
		}
	case "processes":
		b.wait(t, "a bar per process and the event log", `document.querySelectorAll("#c-timeline rect.pbar").length > 0 &&
			document.querySelectorAll("#t-events tbody tr td:not(.empty)").length > 0 && document.querySelectorAll("#t-procs tbody tr td:not(.empty)").length > 0`, jsState)
		if want.restarts {
			var n int
			b.eval(t, `document.querySelectorAll("#c-timeline .marker").length`, &n)
			if n == 0 {
				t.Error("no restart marked on the process timeline")
			}
		}
	case "slow":
		b.wait(t, "slow requests listed", `document.querySelectorAll("#t-slow tbody tr[data-id]").length > 0`, jsState)
		// Active first.
		var states []string
		b.eval(t, `[...document.querySelectorAll("#t-slow tbody tr[data-id] td:first-child")].map(td => td.textContent)`, &states)
		seenOther := false
		for _, s := range states {
			if s != "active" {
				seenOther = true
			} else if seenOther {
				t.Errorf("an active request listed after a finished one: %v", states)
			}
		}
		id := want.slowID
		if id == "" {
			rows := `[...document.querySelectorAll("#t-slow tbody tr[data-id]")].filter(tr => tr.querySelector("td.path").textContent === ` + fmt.Sprintf("%q", want.slowPath) + `)`
			b.wait(t, "a slow request of "+want.slowPath+" listed", rows+`.length > 0`, `document.getElementById("t-slow").innerText`)
			b.eval(t, rows+`[0].dataset.id`, &id)
		} else {
			b.wait(t, "slow request "+id+" listed", fmt.Sprintf(`document.querySelector('#t-slow tbody tr[data-id=%q]') !== null`, id), `document.getElementById("t-slow").innerText`)
		}
		// What the API says of it, to compare with the drill-down.
		var rec struct {
			PID    uint64 `json:"pid"`
			Thread uint64 `json:"thread"`
			LogID  string `json:"log_id"`
			Path   string `json:"path"`
		}
		resp, err := httpClient.Get(want.base + "api/slow-requests/" + url.PathEscape(id))
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("GET api/slow-requests/%s: %s %v", id, resp.Status, err)
		}
		b.click(t, fmt.Sprintf(`#t-slow tbody tr[data-id=%q]`, id))
		b.wait(t, "the drill-down of "+id, fmt.Sprintf(`!document.getElementById("drill").hidden && document.getElementById("drill").dataset.id === %q`, id),
			`document.getElementById("drill").outerText`)
		var fields string
		b.eval(t, `document.getElementById("drill").innerText`, &fields)
		for _, s := range []string{rec.Path, fmt.Sprintf("pid %d · thread %d", rec.PID, rec.Thread), rec.LogID, "GIL wait", "CPU user / sys", "bytes in", "bytes out", "concurrency", "process", "log ID", "user agent"} {
			if !strings.Contains(fields, s) {
				t.Errorf("the drill-down of %s lacks %q:\n%s", id, s, fields)
			}
		}
		if want.native {
			var parts int
			b.eval(t, `+document.querySelector("#c-drill svg").dataset.points`, &parts)
			if parts < 4 {
				t.Errorf("the drill-down's phase bar has %d parts, want server, queue, daemon, application and its waits", parts)
			}
		} else if !strings.Contains(fields, "needs mod_wsgi 6") {
			t.Errorf("the drill-down does not say what needs mod_wsgi 6:\n%s", fields)
		}
		// Filtering by path, then by state, keeps only what matches.
		b.do(t, chromedp.SendKeys(chromedp.CSS("#f-path"), want.slowPath))
		b.wait(t, "the path filter", `[...document.querySelectorAll("#t-slow tbody tr[data-id] td.path")].every(td => td.textContent.includes(`+fmt.Sprintf("%q", want.slowPath)+`))`, `document.getElementById("t-slow").innerText`)
		evalJS[bool](t, b, `(document.getElementById("f-path").value = "", document.getElementById("f-path").dispatchEvent(new Event("input")))`)
		// Sorting by duration, longest first (active still first).
		b.click(t, `#t-slow th[data-sort="duration"]`)
		b.wait(t, "sorted by duration", `document.querySelector('#t-slow th[data-sort="duration"]').classList.contains("sorted")`, `document.getElementById("t-slow").innerText`)
	case "gc":
		if want.native {
			b.wait(t, "GC pauses and overhead", `document.querySelectorAll("#c-gc-pauses circle").length > 0 && document.getElementById("gc-kpis").textContent.includes("GC overhead")`, jsState)
		}
	case "gil":
		if want.native {
			b.wait(t, "a verdict and a heat map per process", `document.querySelectorAll("#gil-body .verdict").length > 0 &&
				document.querySelector("#gil-body .verdict").textContent.length > 10 && document.querySelectorAll("#gil-body svg.heat").length > 0 && (!`+fmt.Sprint(want.gilSeries)+` || document.querySelectorAll("#gil-body svg.chart[data-t0]:not(.heat)").length > 0) &&
				[...document.querySelectorAll("#gil-body .proc-heat h3")].every(h => /: \S/.test(h.textContent))`, jsState)
		}
	}
}

func phaseLabel(p string) string {
	return map[string]string{"request": "request (total)", "gil_wait": "GIL wait", "input_read": "input read", "output_write": "output write"}[p] + func() string {
		if _, ok := map[string]bool{"request": true, "gil_wait": true, "input_read": true, "output_write": true}[p]; ok {
			return ""
		}
		return p
	}()
}

// TestTelemetryPageFixtures drives the page against the API's contract
// served from fixtures: mod_wsgi 6's every measure, and 4.9.4's reporter
// with what it lacks.
func TestTelemetryPageFixtures(t *testing.T) {
	for _, native := range []bool{true, false} {
		name := map[bool]string{true: "mod_wsgi 6", false: "mod_wsgi 4"}[native]
		t.Run(name, func(t *testing.T) {
			f := &fixtureAPI{native: native, now: time.Now()}
			first := f.slow()[2]
			want := pageExpect{native: native, module: map[bool]string{true: "6.0.5", false: "4.9.4"}[native],
				slowID: first["id"].(string), slowPath: first["path"].(string), restarts: true, gilSeries: native}
			want.base = f.serve(t)
			checkPage(t, want.base, want, os.Getenv("MOD_WSGI_TEST_FIXTURE_SHOTS"))
		})
	}
}

// pageApp serves the page test's known traffic: slow requests, 404s,
// 500s, a garbage-heavy endpoint (reference cycles for the collector) and
// a CPU-bound one (threads contending for the GIL).
const pageApp = `import gc, time
def application(environ, start_response):
    path = environ['PATH_INFO']
    status = '200 OK'
    if path == '/slow':
        time.sleep(0.8)
    elif path == '/missing':
        status = '404 Not Found'
    elif path == '/error':
        status = '500 Internal Server Error'
    elif path == '/gc':
        for _ in range(20000):
            a = [None]
            a[0] = a
    elif path == '/cpu':
        n = 0
        for i in range(200000):
            n += i
    start_response(status, [('Content-Type', 'text/plain')])
    return [b'page\n']
`

// TestTelemetryPage drives the live page in Chromium against real Apache
// and mod_wsgi (the module under test: Debian's 4.9.4, or 6.0.5 with
// MOD_WSGI_TEST_MODULE) after known traffic, then under load: the header
// counts what was sent, every view draws without a console error, the
// window picker changes each chart's span, the drill-down shows the slow
// request clicked, and with 4.x the page says what needs mod_wsgi 6.
// Screenshots of each view go to $MOD_WSGI_TEST_SCREENSHOTS when set
// (docs/telemetry-*.png are made so, with mod_wsgi 6.0.5).
func TestTelemetryPage(t *testing.T) {
	// Processes recycle every 60 requests, so restarts happen while the
	// page is checked. For screenshots, less often, after 2 minutes of load
	// for the charts to show.
	shots := os.Getenv("MOD_WSGI_TEST_SCREENSHOTS")
	maxRequests, warm := "60", time.Duration(0)
	if shots != "" {
		maxRequests, warm = "1500", 150*time.Second
	}
	s := startTelemetryApp(t, pageApp, "--processes", "2", "--threads", "4", "--telemetry-interval", "0.5",
		"--slow-requests", "0.5", "--maximum-requests", maxRequests)
	var paths []string
	for i := 0; i < 160; i++ {
		paths = append(paths, fmt.Sprintf("/r%d", i))
	}
	counts := map[string]int{"/missing": 10, "/error": 10, "/slow": 2, "/gc": 10, "/cpu": 10}
	for p, n := range counts {
		for i := 0; i < n; i++ {
			paths = append(paths, p)
		}
	}
	n := len(paths)
	testenv.GetAll(t, httpClient, s.URL, paths, 4)
	waitFor(t, fmt.Sprintf("the ingester counting %d requests", n), func() bool {
		return s.snapshot(t).Totals.Requests == uint64(n)
	}, func() string { return fmt.Sprintf("%+v", s.snapshot(t).Totals) })

	var slow []map[string]any
	s.getJSON(t, "api/slow-requests?path=/slow", &slow)
	if len(slow) != counts["/slow"] {
		t.Errorf("%d slow requests listed after %d GET /slow", len(slow), counts["/slow"])
	}
	native := strings.HasPrefix(s.version, "6")
	want := pageExpect{native: native, module: s.version, slowPath: "/slow", restarts: true, base: s.ui, gilSeries: native}

	// The header counts what was sent, before any other load.
	b := newBrowser(t)
	b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.ui))
	b.wait(t, "the header's counts", fmt.Sprintf(`document.getElementById("k-req").textContent === "%d" &&
		document.getElementById("k-err-detail").textContent.includes("· %d since start")`, n, counts["/error"]),
		`document.querySelector(".kpis").innerText + " " + `+jsState)
	b.noErrors(t)

	// Then load, bounded in count and time, while every view is checked.
	ctx, stop := context.WithTimeout(context.Background(), 4*time.Minute+warm)
	defer stop()
	var wg sync.WaitGroup
	load := []string{"/a", "/b", "/c", "/missing", "/gc", "/cpu", "/error", "/a", "/b", "/slow"}
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20000 && ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+load[(i+w)%len(load)], nil)
				if resp, err := httpClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}(w)
	}
	defer wg.Wait()
	// Restart markers need a restart in the window: wait for the first.
	time.Sleep(warm)
	waitFor(t, "a process recycled at --maximum-requests", func() bool {
		snap := s.snapshot(t)
		g := groupOf(&snap, s.group)
		return g != nil && g.Restarts > 0
	})
	checkPage(t, s.ui, want, shots)
	stop()
}
