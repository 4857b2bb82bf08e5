package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/cmd"
	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// startServerFlags is every flag of start-server, hidden ones included.
func startServerFlags(t *testing.T) map[string]*pflag.Flag {
	t.Helper()
	root := cmd.NewRootCmd(cmd.DefaultFactory())
	for _, c := range root.Commands() {
		if c.Name() != "start-server" {
			continue
		}
		flags := map[string]*pflag.Flag{}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" {
				flags[f.Name] = f
			}
		})
		return flags
	}
	t.Fatal("no start-server command")
	return nil
}

// TestEveryOptionSample fails for a start-server option without a sample
// in optionSamples, and for a sample of an option that does not exist.
func TestEveryOptionSample(t *testing.T) {
	flags := startServerFlags(t)
	var missing []string
	for name := range flags {
		if _, ok := optionSamples[name]; !ok {
			missing = append(missing, "--"+name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("options without a sample (add one to an integration/options_samples_*_test.go file): %s", strings.Join(missing, " "))
	}
	for name := range optionSamples {
		if flags[name] == nil {
			t.Errorf("sample for --%s, which start-server does not have", name)
		}
	}
}

// TestEveryOptionConfig runs setup-server with each option's sample and has
// Apache check the configuration written. An option of mod_wsgi 6 must
// instead be refused with a 4.x module, and an option this machine cannot
// serve with any module, refused: exit status 2, naming the option.
func TestEveryOptionConfig(t *testing.T) {
	testenv.Integration(t)
	flags := startServerFlags(t)
	names := make([]string, 0, len(flags))
	for name := range flags {
		names = append(names, name)
	}
	sort.Strings(names)
	testenv.Binary(t) // build once, before the parallel subtests
	limit := make(chan struct{}, 4)
	t.Run("options", func(t *testing.T) {
		for _, name := range names {
			sample, ok := optionSamples[name]
			t.Run(name, func(t *testing.T) {
				if !ok {
					t.Fatalf("--%s has no sample in optionSamples", name)
				}
				t.Parallel()
				limit <- struct{}{}
				defer func() { <-limit }()
				checkOptionSample(t, name, sample)
			})
		}
	})
}

func checkOptionSample(t *testing.T, name string, sample optionSample) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	for file, content := range sample.Files {
		path := filepath.Join(dir, file)
		if content == "@cert" {
			makeCertPair(t, path)
			continue
		}
		testenv.WriteFile(t, path, content)
	}
	root := filepath.Join(dir, "root")
	args := append([]string{"setup-server", "app.wsgi", "--server-root", root}, sample.Args...)
	refusal := func(why ...string) {
		t.Helper()
		out, code := testenv.Run(t, dir, args...)
		if code != 2 || !strings.Contains(out, "--"+name) {
			t.Fatalf("--%s: want exit status 2 and a message naming the option, got %d:\n%s", name, code, out)
		}
		for _, w := range why {
			if !strings.Contains(out, w) {
				t.Errorf("--%s: the refusal does not say %q:\n%s", name, w, out)
			}
		}
		if _, err := os.Stat(filepath.Join(root, "httpd.conf")); err == nil {
			t.Errorf("--%s was refused but a configuration was written", name)
		}
	}
	switch {
	case sample.NeedsNewerModule && testenv.ModuleMajor(t) < 6:
		refusal("mod_wsgi 6", testenv.ModuleVersion(t))
		return
	case sample.StartOnly:
		out, code := testenv.Run(t, dir, append(args, sample.Companions...)...)
		if code != 2 || !strings.Contains(out, "start-server") {
			t.Fatalf("--%s is for start-server: want setup-server to exit with status 2 naming start-server, got %d:\n%s", name, code, out)
		}
		if _, err := os.Stat(filepath.Join(root, "httpd.conf")); err == nil {
			t.Errorf("--%s was refused but a configuration was written", name)
		}
		return
	case sample.Refused != "":
		refusal(sample.Refused)
		return
	}
	args = append(args, sample.Companions...)
	out, code := testenv.Run(t, dir, args...)
	if code != 0 {
		t.Fatalf("setup-server %s: exit status %d:\n%s", strings.Join(args[1:], " "), code, out)
	}
	if sample.WritesNothing {
		if _, err := os.Stat(root); err == nil {
			t.Errorf("--%s wrote a server root", name)
		}
		return
	}
	testenv.ConfigTest(t, root)
}

var certMu sync.Mutex

// makeCertPair writes a self-signed certificate and its key: path and the
// same name with .crt/.key swapped. Making the pair twice is harmless.
func makeCertPair(t *testing.T, path string) {
	t.Helper()
	certMu.Lock()
	defer certMu.Unlock()
	base := strings.TrimSuffix(strings.TrimSuffix(path, ".crt"), ".key")
	if _, err := os.Stat(base + ".crt"); err == nil {
		return
	}
	os.MkdirAll(filepath.Dir(base), 0o755)
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", base+".key", "-out", base+".crt").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	os.Chmod(base+".key", 0o644)
}
