//go:build linux

package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// hgwebEntry is the WSGI script Mercurial's documentation gives for
// mod_wsgi (Debian ships it as /usr/share/doc/mercurial-common/examples/
// hgweb.wsgi), with the path of the configuration filled in.
const hgwebEntry = `# Path to repo or hgweb config to serve (see 'hg help hgweb')
config = %s

# enable demandloading to reduce startup time
from mercurial import demandimport; demandimport.enable()

from mercurial.hgweb import hgweb
application = hgweb(config)
`

// TestRealAppMercurial serves repositories with Mercurial's hgweb
// (Debian's mercurial) through the entry script its documentation gives,
// configured by an hgweb configuration file, and drives it with hg: clone,
// commit, push, a second clone that reads the commit back, and the
// repository's Atom feed, whose absolute links hgweb builds from the
// request. Behind the proxy, pushing is left to hgweb's default
// (push_ssl: only over https), which holds only when the application
// believes the proxy's X-Forwarded-Proto.
func TestRealAppMercurial(t *testing.T) {
	realPreflight(t, []string{"mercurial.hgweb"}, "hg")
	forEachRealMode(t, func(t *testing.T, m realMode) {
		dir := testenv.Dir(t)
		repo := filepath.Join(dir, "repos", "project")
		seed := &realSite{t: t, mode: m, Home: t.TempDir()}
		seed.writeClientConfig()
		seed.run(dir, "hg", "init", repo)
		testenv.WriteFile(t, filepath.Join(repo, "README"), "the project\n")
		seed.run(repo, "hg", "commit", "-A", "-m", "start the project")
		giveToApp(t, filepath.Join(dir, "repos")) // hgweb writes pushes into it

		web := "[web]\nallow_push = *\n"
		if !m.proxied {
			web += "push_ssl = false\n"
		}
		conf := testenv.WriteFile(t, filepath.Join(dir, "hgweb.config"), "[paths]\nproject = "+repo+"\n\n"+web)
		testenv.WriteFile(t, filepath.Join(dir, "hgweb.wsgi"), strings.Replace(hgwebEntry, "%s", "b"+pyStr(conf), 1))
		site := serveReal(t, m, dir, "hgweb.wsgi")

		work := t.TempDir()
		url := site.URL + "/project"
		site.run(work, "hg", "clone", url, "first")
		first := filepath.Join(work, "first")
		testenv.WriteFile(t, filepath.Join(first, "notes.txt"), "pushed in "+m.name+"\n")
		site.run(first, "hg", "commit", "-A", "-m", "notes from "+m.name)
		if out := site.run(first, "hg", "push"); !strings.Contains(out, "added 1 changesets") {
			t.Errorf("hg push added nothing:\n%s", out)
		}

		site.run(work, "hg", "clone", url, "second")
		second := filepath.Join(work, "second")
		if got := site.run(second, "hg", "cat", "-r", "tip", "notes.txt"); got != "pushed in "+m.name+"\n" {
			t.Errorf("notes.txt read back = %q", got)
		}
		if got := site.run(second, "hg", "log", "-r", "tip", "--template", "{desc}"); got != "notes from "+m.name {
			t.Errorf("tip's description = %q", got)
		}

		code, _, feed := site.get("/project/atom-log")
		if code != 200 {
			t.Fatalf("atom-log: status %d\n%s", code, feed)
		}
		for _, want := range []string{`<link rel="self" href="` + url + `/atom-log"/>`, "notes from " + m.name} {
			if !strings.Contains(feed, want) {
				t.Errorf("the Atom feed lacks %q:\n%s", want, feed)
			}
		}
	})
}

// dulwichEntry serves a bare repository at /project.git with Dulwich's
// smart-HTTP server (dulwich.web), receive-pack included. (Dulwich 0.21's
// FileSystemBackend refuses every request path, which starts with a
// slash, as outside its root; DictBackend maps the path itself.)
const dulwichEntry = `from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import make_wsgi_chain

application = make_wsgi_chain(DictBackend({'/project.git': Repo(%s)}))
`

// TestRealAppDulwich serves git repositories with Dulwich's smart-HTTP
// server (Debian's python3-dulwich) and drives it with git (clone, commit,
// push) and with Dulwich's own client (a fresh clone that reads the push
// back).
func TestRealAppDulwich(t *testing.T) {
	realPreflight(t, []string{"dulwich.web", "dulwich.porcelain"}, "git")
	forEachRealMode(t, func(t *testing.T, m realMode) {
		dir := testenv.Dir(t)
		repos := filepath.Join(dir, "repos")
		seed := &realSite{t: t, mode: m, Home: t.TempDir()}
		seed.writeClientConfig()
		bare := filepath.Join(repos, "project.git")
		seed.run(dir, "git", "init", "--quiet", "--bare", bare)
		seedWork := filepath.Join(t.TempDir(), "seed")
		seed.run(dir, "git", "init", "--quiet", seedWork)
		testenv.WriteFile(t, filepath.Join(seedWork, "README"), "the project\n")
		seed.run(seedWork, "git", "add", "README")
		seed.run(seedWork, "git", "commit", "--quiet", "-m", "start the project")
		seed.run(seedWork, "git", "push", "--quiet", bare, "main")
		giveToApp(t, repos) // the server writes pushes into it

		testenv.WriteFile(t, filepath.Join(dir, "dulwich.wsgi"), strings.Replace(dulwichEntry, "%s", pyStr(bare), 1))
		site := serveReal(t, m, dir, "dulwich.wsgi")

		work := t.TempDir()
		url := site.URL + "/project.git"
		site.run(work, "git", "clone", "--quiet", url, "first")
		first := filepath.Join(work, "first")
		testenv.WriteFile(t, filepath.Join(first, "notes.txt"), "pushed in "+m.name+"\n")
		site.run(first, "git", "add", "notes.txt")
		site.run(first, "git", "commit", "--quiet", "-m", "notes from "+m.name)
		site.run(first, "git", "push", "--quiet", "origin", "main")
		head := strings.TrimSpace(site.run(first, "git", "rev-parse", "HEAD"))
		if out := site.run(work, "git", "ls-remote", url, "refs/heads/main"); !strings.HasPrefix(out, head+"\t") {
			t.Errorf("the server's main is not the pushed %s:\n%s", head, out)
		}

		// Dulwich's own client reads the push back.
		second := filepath.Join(work, "second")
		site.run(work, systemPython, "-c", `import sys
from dulwich import porcelain
porcelain.clone(sys.argv[1], sys.argv[2], errstream=porcelain.NoneStream())
`, url, second)
		got, err := os.ReadFile(filepath.Join(second, "notes.txt"))
		if err != nil || string(got) != "pushed in "+m.name+"\n" {
			t.Errorf("notes.txt read back by Dulwich's client = %q, %v", got, err)
		}
		if log := site.run(second, "git", "log", "-1", "--format=%H %s"); log != head+" notes from "+m.name+"\n" {
			t.Errorf("Dulwich's clone's HEAD = %q, want %s", log, head)
		}
	})
}
