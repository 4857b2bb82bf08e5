package main

import (
	"bytes"
	"debug/elf"
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// goreleaserConfig is the part of goreleaser.yaml this test checks.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Before  struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		Formats         []string `yaml:"formats"`
		Files           []string `yaml:"files"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string      `yaml:"name_template"`
		ExtraFiles   []extraFile `yaml:"extra_files"`
	} `yaml:"checksum"`
	Release struct {
		ExtraFiles []extraFile `yaml:"extra_files"`
	} `yaml:"release"`
}

type extraFile struct {
	Glob string `yaml:"glob"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	b, err := os.ReadFile("goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("goreleaser.yaml: %v", err)
	}
	return c
}

// goreleaser.yaml describes static linux, darwin and windows builds for
// amd64 and arm64, and archives with the README, LICENSE and docs (zip for
// Windows, where tar.gz is no native format), plus checksums.
func TestGoreleaserConfig(t *testing.T) {
	c := readGoreleaser(t)
	if c.Version != 2 {
		t.Errorf("version %d, want 2", c.Version)
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	b := c.Builds[0]
	for _, os := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, os) {
			t.Errorf("goos lacks %s", os)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, arch) {
			t.Errorf("goarch lacks %s", arch)
		}
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("env %q lacks CGO_ENABLED=0", b.Env)
	}
	ld := strings.Join(b.Ldflags, " ")
	for _, want := range []string{"cmd.Version={{.Version}}", "cmd.Commit={{.Commit}}"} {
		if !strings.Contains(ld, want) {
			t.Errorf("ldflags %q lack %s", ld, want)
		}
	}
	if len(c.Archives) == 0 {
		t.Fatal("no archives")
	}
	zip := false
	for _, o := range c.Archives[0].FormatOverrides {
		zip = zip || o.Goos == "windows" && slices.Equal(o.Formats, []string{"zip"})
	}
	if !zip {
		t.Errorf("archives[0] has no format_overrides giving windows the zip format: %+v", c.Archives[0].FormatOverrides)
	}
	files := c.Archives[0].Files
	for _, want := range []string{"README.md", "LICENSE", "docs/**/*"} {
		if !slices.Contains(files, want) {
			t.Errorf("archive files %q lack %s", files, want)
		}
	}
	for _, f := range []string{"README.md", "LICENSE", "docs/options.md"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("archived file missing: %v", err)
		}
	}
	if c.Checksum.NameTemplate == "" {
		t.Errorf("no checksum file")
	}
}

// The builds goreleaser.yaml describes succeed for every target, the Linux
// ones are static, the Windows ones are PE executables for their
// architecture, and the binary for this machine prints the version
// stamped into it.
func TestGoreleaserBuild(t *testing.T) {
	c := readGoreleaser(t)
	b := c.Builds[0]
	stamp := struct{ Version, Commit string }{"9.8.7-releasetest", "0123abcd"}
	var ldflags []string
	for _, l := range b.Ldflags {
		tmpl, err := template.New("ldflags").Parse(l)
		if err != nil {
			t.Fatalf("ldflags %q: %v", l, err)
		}
		var out strings.Builder
		if err := tmpl.Execute(&out, stamp); err != nil {
			t.Fatalf("ldflags %q: %v", l, err)
		}
		ldflags = append(ldflags, out.String())
	}
	// Every target goreleaser builds must compile (a Linux-only field once
	// broke the darwin builds unnoticed); the one for this machine also runs.
	var targets [][2]string
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			targets = append(targets, [2]string{goos, goarch})
		}
	}
	ran := false
	for _, tg := range targets {
		bin := filepath.Join(t.TempDir(), b.Binary)
		args := append([]string{"build", "-o", bin}, b.Flags...)
		args = append(args, "-ldflags="+strings.Join(ldflags, " "), b.Main)
		cmd := exec.Command("go", args...)
		cmd.Env = append(append(os.Environ(), b.Env...), "GOOS="+tg[0], "GOARCH="+tg[1])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s/%s: go %s: %v\n%s", tg[0], tg[1], strings.Join(args, " "), err, out)
		}
		switch tg[0] {
		case "linux":
			assertStaticELF(t, bin)
		case "windows":
			assertPE(t, bin, tg[1])
		}
		if tg[0] != runtime.GOOS || tg[1] != runtime.GOARCH {
			continue
		}
		ran = true
		out, err := exec.Command(bin, "version").Output()
		if err != nil {
			t.Fatalf("%s version: %v", bin, err)
		}
		first, _, _ := strings.Cut(string(out), "\n")
		if first != "mod_wsgi-express "+stamp.Version {
			t.Errorf("version prints %q, want the stamped %q", first, stamp.Version)
		}
		if !strings.Contains(string(out), "commit:   "+stamp.Commit) {
			t.Errorf("version output lacks the stamped commit %s:\n%s", stamp.Commit, out)
		}
	}
	if !ran {
		t.Errorf("no build for this machine (%s/%s) to run", runtime.GOOS, runtime.GOARCH)
	}
}

// assertPE checks a Windows build is an executable for goarch (goreleaser
// adds the .exe; go build writes what -o says).
func assertPE(t *testing.T, path, goarch string) {
	t.Helper()
	f, err := pe.Open(path)
	if err != nil {
		t.Fatalf("%s: not a PE file: %v", path, err)
	}
	defer f.Close()
	want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[goarch]
	if f.Machine != want || f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 || f.Characteristics&pe.IMAGE_FILE_DLL != 0 {
		t.Errorf("%s: machine %#x characteristics %#x; want an executable for %#x", path, f.Machine, f.Characteristics, want)
	}
}

// Every package, not only the binary's, builds for Windows on amd64 and
// arm64, and its tests compile there (go vet type-checks them): what fails
// here is a Unix-only call or type outside a build-tagged file
// (docs/windows.md).
func TestWindowsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles every package twice; skipped with -short")
	}
	for _, run := range [][]string{
		{"amd64", "build", "-trimpath", "./..."},
		{"arm64", "build", "-trimpath", "./..."},
		{"amd64", "vet", "./..."},
	} {
		cmd := exec.Command("go", run[1:]...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH="+run[0])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOOS=windows GOARCH=%s go %s: %v\n%s", run[0], strings.Join(run[1:], " "), err, out)
		}
	}
}

// assertStaticELF checks the binary needs no dynamic loader or library.
func assertStaticELF(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a dynamic loader (PT_INTERP): not static", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v: not static", path, libs)
	}
}

// The release builds the platform wheels with scripts/build-wheels (a
// before hook), ships and checksums every wheel it writes, and gets one for
// each target the build lists: running the hook (into a scratch directory)
// gives a wheel tagged for each goos/goarch, at least the manylinux x86_64
// and aarch64 and macOS x86_64 and arm64 ones, and none left over from an
// earlier run.
func TestGoreleaserWheels(t *testing.T) {
	c := readGoreleaser(t)
	var hook []string
	for _, h := range c.Before.Hooks {
		if f := strings.Fields(h); len(f) > 0 && f[0] == "scripts/build-wheels" {
			if hook != nil {
				t.Fatalf("two build-wheels hooks")
			}
			hook = f
		}
	}
	if len(hook) < 2 {
		t.Fatalf("no before hook runs scripts/build-wheels OUTDIR: %q", c.Before.Hooks)
	}
	out := hook[len(hook)-1]
	if strings.HasPrefix(out, "-") || strings.Contains(out, "{{") {
		t.Fatalf("the build-wheels hook %q does not end with a plain OUTDIR", hook)
	}
	if !slices.Contains(hook, "--clean") {
		t.Errorf("the build-wheels hook %q lacks --clean: wheels of an earlier run would be released", hook)
	}
	glob := out + "/*.whl"
	for what, files := range map[string][]extraFile{"release": c.Release.ExtraFiles, "checksum": c.Checksum.ExtraFiles} {
		if !slices.Contains(files, extraFile{Glob: glob}) {
			t.Errorf("%s.extra_files %v lacks %s", what, files, glob)
		}
	}

	dir := t.TempDir()
	stale := filepath.Join(dir, "mod_wsgi_express-0.0.1-py3-none-any.whl")
	os.WriteFile(stale, nil, 0o644)
	cmd := exec.Command(hook[0], append(hook[1:len(hook)-1:len(hook)-1], dir)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", cmd.Args, err, b)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("a wheel of an earlier run is left in the output")
	}
	wheels, _ := filepath.Glob(filepath.Join(dir, "*.whl"))
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}
	macArch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}
	want := map[string]*regexp.Regexp{}
	b := c.Builds[0]
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			var re string
			switch goos {
			case "linux":
				re = `-py3-none-manylinux_2_17_` + arch[goarch] + `\.manylinux2014_` + arch[goarch] + `\.musllinux_1_1_` + arch[goarch] + `\.whl$`
			case "darwin":
				re = `-py3-none-macosx_\d+_\d+_` + macArch[goarch] + `\.whl$`
			case "windows":
				re = `-py3-none-win_` + goarch + `\.whl$`
			default:
				t.Fatalf("no wheel platform for goos %s", goos)
			}
			want[goos+"/"+goarch] = regexp.MustCompile(`^mod_wsgi_express-[0-9][^-]*` + re)
		}
	}
	for _, required := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"} {
		if want[required] == nil {
			t.Errorf("the build lacks %s, whose wheel is required", required)
		}
	}
	for target, re := range want {
		n := 0
		for _, w := range wheels {
			if re.MatchString(filepath.Base(w)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d wheels for %s (%s), want 1; wrote %q", n, target, re, wheels)
		}
	}
	if len(wheels) != len(want) {
		t.Errorf("%d wheels for %d targets: %q", len(wheels), len(want), wheels)
	}
}
