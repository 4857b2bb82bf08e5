package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// Completion in the real shells, with the scripts `completion bash` and
// `completion fish` print (scripts/install-deps installs bash-completion and
// fish): the values of the enumerated options, filtered by what was typed,
// and directories only where a directory is expected.
// (zsh completes only inside an interactive line editor; cmd's
// TestCompleteFlagValue covers the answers it asks the binary for.)
func TestCompletionInRealShells(t *testing.T) {
	testenv.Integration(t)
	if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err != nil {
		t.Fatalf("needs the bash-completion package (scripts/install-deps installs it): %v", err)
	}
	if _, err := exec.LookPath("fish"); err != nil {
		t.Fatalf("needs fish (scripts/install-deps installs it): %v", err)
	}
	bin := testenv.Binary(t)
	dir := t.TempDir()
	for _, s := range []string{"bash", "fish"} {
		out, err := exec.Command(bin, "completion", s).Output()
		if err != nil {
			t.Fatalf("completion %s: %v", s, err)
		}
		os.WriteFile(filepath.Join(dir, "c."+s), out, 0o644)
	}
	// Where path completion looks: one directory and one file.
	work := filepath.Join(dir, "work")
	os.MkdirAll(filepath.Join(work, "alpha-dir"), 0o755)
	os.WriteFile(filepath.Join(work, "alpha.txt"), nil, 0o644)
	env := append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))

	bash := func(words ...string) []string {
		t.Helper()
		script := `source /usr/share/bash-completion/bash_completion
source "$1"; shift
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
__start_mod_wsgi-express mod_wsgi-express "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", append([]string{"-c", script, "bash", filepath.Join(dir, "c.bash")}, words...)...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completing %q: %v", words, err)
		}
		return strings.Fields(string(out))
	}
	fish := func(line string) []string {
		t.Helper()
		cmd := exec.Command("fish", "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, filepath.Join(dir, "c.fish"), line)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("fish completing %q: %v", line, err)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			got = append(got, strings.Split(l, "\t")[0]) // fish adds descriptions after a tab
		}
		return got
	}
	all := []string{"alpha-dir/", "alpha.txt"}
	cases := []struct {
		words      []string // the command line, the word being completed last
		bash, fish []string // exactly these, in any order
	}{
		{[]string{"mod_wsgi-express", "start-server", "--server-mpm", ""}, []string{"event", "prefork", "worker"}, nil},
		{[]string{"mod_wsgi-express", "setup-server", "--log-level", "tr"}, []string{"trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8"}, nil},
		{[]string{"mod_wsgi-express", "start-server", "--application-type", "s"}, []string{"script", "static"}, nil},
		{[]string{"mod_wsgi-express", "start-server", "--auth-type", ""}, []string{"Basic", "Digest"}, nil},
		{[]string{"mod_wsgi-express", "start-server", "--map-head-to-get", ""}, []string{"On", "Off", "Auto"}, nil},
		{[]string{"mod_wsgi-express", "completion", ""}, []string{"bash", "fish", "zsh"}, nil},
		// A directory: bash lists directories only; cobra's fish script
		// cannot filter and offers every file name.
		{[]string{"mod_wsgi-express", "start-server", "--server-root", "alp"}, []string{"alpha-dir/"}, all},
		// A file: the script answers nothing and bash's own file name
		// completion (complete -o default) takes over; fish lists them.
		{[]string{"mod_wsgi-express", "start-server", "--ssl-certificate-file", "alp"}, []string{}, all},
	}
	// bash leaves a directory's slash to readline; fish writes it.
	norm := func(s []string) []string {
		out := []string{}
		for _, v := range s {
			out = append(out, strings.TrimSuffix(v, "/"))
		}
		slices.Sort(out)
		return out
	}
	for _, c := range cases {
		if c.fish == nil {
			c.fish = c.bash
		}
		if got := bash(c.words...); !slices.Equal(norm(got), norm(c.bash)) {
			t.Errorf("bash completing %q: %q, want %q", c.words, got, c.bash)
		}
		if got := fish(strings.Join(c.words, " ")); !slices.Equal(norm(got), norm(c.fish)) {
			t.Errorf("fish completing %q: %q, want %q", c.words, got, c.fish)
		}
	}
	out, err := exec.Command("bash", "-c", `source "$1"; complete -p mod_wsgi-express`, "bash", filepath.Join(dir, "c.bash")).Output()
	if err != nil || !strings.Contains(string(out), "-o default") {
		t.Errorf("bash registration %q (%v) lacks -o default, so file names would not complete", out, err)
	}
}
