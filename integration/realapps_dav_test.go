//go:build linux

package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// caldavSession runs testdata/realapps/caldav_client.py (python3-caldav)
// against the site with args, and returns what it saw.
func caldavSession(t *testing.T, site *realSite, args ...string) map[string]any {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "realapps", "caldav_client.py"))
	if err != nil {
		t.Fatal(err)
	}
	full := append([]string{script, "--url", site.URL + "/"}, args...)
	if site.CACert != "" {
		full = append(full, "--cacert", site.CACert)
	}
	out := site.run(site.Home, systemPython, full...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("caldav client printed no result (%v):\n%s\n--- error_log ---\n%s", err, out, site.server.ErrorLog())
	}
	t.Logf("caldav session (%s): %s", site.mode.name, lines[len(lines)-1])
	return got
}

// expectSession checks the fields of a caldav session's result, reporting
// every difference and then the server's error log once.
func expectSession(t *testing.T, site *realSite, got map[string]any, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var bad []string
	for _, k := range keys {
		if g, ok := got[k]; !ok || fmt.Sprint(g) != fmt.Sprint(want[k]) {
			bad = append(bad, fmt.Sprintf("%s = %v, want %v", k, got[k], want[k]))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("%s mode, what the caldav client saw:\n%s\n--- error_log ---\n%s", site.mode.name, strings.Join(bad, "\n"), site.server.ErrorLog())
	}
}

// TestRealAppRadicale serves Radicale (Debian's python3-radicale), loaded
// as the module its documentation names for WSGI servers, with its
// configuration passed the way it documents (RADICALE_CONFIG, here with
// --setenv), its own htpasswd Basic authentication (an APR1-MD5 file
// made with Apache's htpasswd) and owner-only rights. python3-caldav logs
// in (a wrong password first, which must get 401), makes a calendar,
// uploads an event, renames the calendar, moves the event (a WebDAV MOVE
// whose Destination is the URL the client knows, which Radicale refuses
// unless it names the Host the application sees), and a second session
// reads it all back; the event is then on disk, written by the
// application's account.
func TestRealAppRadicale(t *testing.T) {
	realPreflight(t, []string{"radicale", "caldav"}, "htpasswd")
	forEachRealMode(t, func(t *testing.T, m realMode) {
		dir := testenv.Dir(t)
		store := filepath.Join(dir, "collections")
		if err := os.Mkdir(store, 0o755); err != nil {
			t.Fatal(err)
		}
		giveToApp(t, store)
		users := filepath.Join(dir, "users")
		const password = "correct horse battery"
		if out, err := exec.Command("htpasswd", "-c", "-b", "-m", users, "alice", password).CombinedOutput(); err != nil {
			t.Fatalf("htpasswd: %v\n%s", err, out)
		}
		os.Chmod(users, 0o644) // read by the application's account
		conf := testenv.WriteFile(t, filepath.Join(dir, "radicale.conf"), fmt.Sprintf(`[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = md5
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = %s

[logging]
level = info
`, users, store))
		site := serveReal(t, m, dir, "--application-type", "module", "--entry-point", "radicale",
			"--setenv", "RADICALE_CONFIG", conf)

		// Without credentials, the challenge is Radicale's, not Apache's.
		if code, hdr, body := site.get("/alice/"); code != 401 || !strings.Contains(hdr.Get("WWW-Authenticate"), `Basic realm="Radicale`) {
			t.Errorf("no credentials: status %d, WWW-Authenticate %q, want 401 and Radicale's Basic challenge; body %q", code, hdr.Get("WWW-Authenticate"), body)
		}

		uid := "radicale-" + m.name
		got := caldavSession(t, site, "--user", "alice", "--password", password,
			"--uid", uid, "--calendar", "meetings", "--wrong-password", "--move")
		calendar := site.URL + "/alice/meetings/"
		expectSession(t, site, got, map[string]any{
			"wrong_password":  "refused: Unauthorized",
			"login":           "accepted",
			"principal":       site.URL + "/alice/",
			"calendar":        calendar,
			"event":           calendar + uid + ".ics",
			"calendars_found": 1,
			"displayname":     "Team meetings (renamed)",
			"summary":         "Launch review " + uid,
			"date_search":     1,
			"move_status":     201,
			"moved_summary":   "Launch review " + uid,
		})

		// Radicale keeps each item as a file named after its URL.
		item := filepath.Join(store, "collection-root", "alice", "meetings", "moved-"+uid+".ics")
		data, err := os.ReadFile(item)
		if err != nil {
			t.Fatalf("the moved event is not on disk: %v", err)
		}
		if !strings.Contains(string(data), "UID:"+uid) {
			t.Errorf("%s holds no UID:%s:\n%s", item, uid, data)
		}
		appUID, _ := wwwData(t)
		if fi, err := os.Stat(item); err == nil && int(fi.Sys().(*syscall.Stat_t).Uid) != appUID {
			t.Errorf("%s is owned by uid %d, want the application's account (%d)", item, fi.Sys().(*syscall.Stat_t).Uid, appUID)
		}
		// And the wrong password reached Radicale's own check, which the
		// error log records (Apache did not answer for it).
		if log := site.server.ErrorLog(); !strings.Contains(log, "Failed login attempt") {
			t.Errorf("Radicale logged no failed login for the wrong password:\n%s", log)
		}
	})
}

// TestRealAppXandikos serves Xandikos (Debian's xandikos) through the
// WSGI module it ships, xandikos.wsgi:app, configured the way that module
// documents, by environment variables, here from --envvars-script.
// python3-caldav finds the principal, makes a calendar, uploads an event,
// renames the calendar, and a second session reads them back; Xandikos
// keeps each calendar in a git repository, whose log then records the
// upload.
func TestRealAppXandikos(t *testing.T) {
	realPreflight(t, []string{"xandikos.web", "caldav"}, "git")
	forEachRealMode(t, func(t *testing.T, m realMode) {
		dir := testenv.Dir(t)
		store := filepath.Join(dir, "dav")
		// The principal and its default collections made once beforehand
		// (xandikos.wsgi's AUTOCREATE, run by the administrator), so
		// that Apache's children do not race to make them.
		mk := exec.Command(systemPython, "-c", "import xandikos.wsgi")
		mk.Env = append(os.Environ(), "XANDIKOSPATH="+store, "AUTOCREATE=defaults", "CURRENT_USER_PRINCIPAL=/user/")
		if out, err := mk.CombinedOutput(); err != nil {
			t.Fatalf("making Xandikos's principal: %v\n%s", err, out)
		}
		giveToApp(t, store)
		// HOME: Xandikos's git library reads ~/.gitconfig. In embedded
		// mode the application runs in Apache's children, which keep the
		// environment start-server had (here root's HOME, which the
		// application's account may not read); only daemon processes get
		// the account's home from mod_wsgi. So the home is set here, as
		// with the Python mod_wsgi-express.
		home := filepath.Join(dir, "home")
		if err := os.Mkdir(home, 0o755); err != nil {
			t.Fatal(err)
		}
		env := testenv.WriteFile(t, filepath.Join(dir, "xandikos.env"), fmt.Sprintf(
			"XANDIKOSPATH=%s\nCURRENT_USER_PRINCIPAL=/user/\nHOME=%s\nexport XANDIKOSPATH CURRENT_USER_PRINCIPAL HOME\n", store, home))
		site := serveReal(t, m, dir, "--application-type", "module", "--entry-point", "xandikos.wsgi:app",
			"--envvars-script", env)

		uid := "xandikos-" + m.name
		got := caldavSession(t, site, "--uid", uid, "--calendar", "meetings")
		calendar := site.URL + "/user/calendars/meetings/"
		expectSession(t, site, got, map[string]any{
			"login":           "accepted",
			"principal":       site.URL + "/user/",
			"calendar":        calendar,
			"event":           calendar + uid + ".ics",
			"calendars_found": 1,
			"displayname":     "Team meetings (renamed)",
			"summary":         "Launch review " + uid,
			"date_search":     1,
		})

		// The calendar is a git repository; its history has the upload.
		repo := filepath.Join(store, "user", "calendars", "meetings")
		log := site.run(site.Home, "git", "-c", "safe.directory=*", "-C", repo, "log", "--name-only", "--format=%s")
		if !strings.Contains(log, uid+".ics") {
			t.Errorf("the calendar's git log does not name %s.ics:\n%s", uid, log)
		}
	})
}
