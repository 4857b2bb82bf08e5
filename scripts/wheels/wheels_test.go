package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVersionFromTag(t *testing.T) {
	for _, c := range []struct {
		tag      string
		distance int
		want     string
	}{
		{"v1.2.3", 0, "1.2.3"},
		{"v1.2.3", 5, "1.2.4.dev5"},
		{"v0.10.0", 1, "0.10.1.dev1"},
		{"v1.0.0-rc.1", 0, "1.0.0rc1"},
		{"v1.0.0-rc.1", 3, "1.0.0rc2.dev3"},
		{"v1.0.0rc2", 0, "1.0.0rc2"},
		{"v2.0.0-beta.4", 0, "2.0.0b4"},
		{"v2.0.0-alpha.1", 2, "2.0.0a2.dev2"},
		{"v2.0.0b1", 0, "2.0.0b1"},
	} {
		got, err := versionFromTag(c.tag, c.distance)
		if err != nil || got != c.want {
			t.Errorf("versionFromTag(%q, %d) = %q, %v; want %q", c.tag, c.distance, got, err, c.want)
		}
		if !rePEP440.MatchString(got) {
			t.Errorf("%q is not a PEP 440 version", got)
		}
	}
	for _, bad := range []string{"1.2.3", "v1.2", "v1.2.3-next", "vnext", "v1.2.3+local"} {
		if v, err := versionFromTag(bad, 0); err == nil || !strings.Contains(err.Error(), "--version") {
			t.Errorf("versionFromTag(%q) = %q, %v; want an error naming --version", bad, v, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--platform", "solaris", "out"}, "--platform solaris: no such platform; choose from linux_x86_64"},
		{[]string{"--version", "1.2.3-next", "out"}, "--version 1.2.3-next is not a public PEP 440 version"},
		{[]string{}, "give one OUTDIR"},
		{[]string{"a", "b"}, "give one OUTDIR"},
	} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("../build-wheels", c.args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("build-wheels %q: exit %d (%v), stderr %q; want 2 and %q", c.args, code, err, stderr.String(), c.want)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	out, err := exec.Command("../build-wheels", t.TempDir()).CombinedOutput()
	if !strings.Contains(string(out), "SOURCE_DATE_EPOCH") || err == nil {
		t.Errorf("a bad SOURCE_DATE_EPOCH: %v %s; want a failure naming it", err, out)
	}
}

func TestZipTime(t *testing.T) {
	if got := zipTime(0); got.Year() != 1980 {
		t.Errorf("zipTime(0) = %v, want 1980-01-01 (the zip format's first date)", got)
	}
	if got := zipTime(1700000001); got.Unix() != 1700000000 {
		t.Errorf("zipTime(1700000001) = %v, want the even second before", got.Unix())
	}
}

// A platform goreleaser.yaml does not build is refused, naming the fix.
// (It builds every platform now, so a configuration without windows
// stands in for one that lacks a target.)
func TestPlatformNotBuilt(t *testing.T) {
	cfg := goBuild{Binary: "mod_wsgi-express", Goos: []string{"linux", "darwin"}, Goarch: []string{"amd64", "arm64"}}
	_, err := selectPlatforms(cfg, []string{"win_arm64"})
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--platform win_arm64: goreleaser.yaml does not build windows/arm64; add windows to builds[0].goos") {
		t.Errorf("win_arm64 without windows in goos: %v; want a usage error naming the fix", err)
	}
	var out bytes.Buffer
	printPlatforms(&out, cfg)
	if !regexp.MustCompile(`win_amd64 .*not built: goreleaser.yaml does not build windows/amd64`).Match(out.Bytes()) {
		t.Errorf("--list does not say why win_amd64 is not built:\n%s", out.String())
	}
	if got, err := selectPlatforms(cfg, nil); err != nil || len(got) != 4 {
		t.Errorf("default platforms without windows: %v, %v; want the 4 others", got, err)
	}
}

// --platform host is this machine's platform, as named in --list.
func TestPlatformHost(t *testing.T) {
	cfg := goBuild{Binary: "mod_wsgi-express", Goos: []string{"linux", "darwin", "windows"}, Goarch: []string{"amd64", "arm64"}}
	got, err := selectPlatforms(cfg, []string{"host"})
	want, ok := hostPlatform(runtime.GOOS, runtime.GOARCH)
	if !ok || err != nil || len(got) != 1 || got[0].Name != want.Name {
		t.Errorf("--platform host: %v, %v; want %s", got, err, want.Name)
	}
	if p, ok := hostPlatform("linux", "amd64"); !ok || p.Name != "linux_x86_64" {
		t.Errorf("linux/amd64 is %v", p.Name)
	}
	if _, ok := hostPlatform("plan9", "386"); ok {
		t.Error("plan9/386 has a wheel platform")
	}
}

// --list names every platform, built: goreleaser.yaml builds them all,
// the Windows ones included.
func TestListPlatforms(t *testing.T) {
	out, err := exec.Command("../build-wheels", "--list").CombinedOutput()
	if err != nil {
		t.Fatalf("build-wheels --list: %v\n%s", err, out)
	}
	for _, p := range platforms {
		if !strings.Contains(string(out), p.Name) {
			t.Errorf("--list lacks %s:\n%s", p.Name, out)
		}
	}
	for _, name := range []string{"win_amd64", "win_arm64"} {
		if !regexp.MustCompile(`(?m)^` + name + ` +windows/[a-z0-9]+ +` + name + ` +built$`).Match(out) {
			t.Errorf("--list does not say %s is built:\n%s", name, out)
		}
	}
}

// build runs scripts/build-wheels into a new directory and returns the
// wheels written there, by platform name.
func build(t *testing.T, env []string, args ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("../build-wheels", append(args, dir)...)
	// The timestamps come from the last commit unless env says otherwise.
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=")
	}), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build-wheels %q: %v\n%s", args, err, out)
	}
	t.Logf("build-wheels %q: %.1fs\n%s", args, time.Since(start).Seconds(), out)
	ents, _ := os.ReadDir(dir)
	wheels := map[string]string{}
	for _, e := range ents {
		p := platformOfWheel(t, e.Name())
		if _, dup := wheels[p.Name]; dup {
			t.Errorf("two wheels for %s", p.Name)
		}
		wheels[p.Name] = filepath.Join(dir, e.Name())
	}
	return wheels
}

var reWheelName = regexp.MustCompile(`^mod_wsgi_express-([^-]+)-py3-none-([^-]+)\.whl$`)

// platformOfWheel is the platform whose tags a wheel file name carries.
func platformOfWheel(t *testing.T, name string) platform {
	t.Helper()
	m := reWheelName.FindStringSubmatch(name)
	if m == nil {
		t.Fatalf("%s is not NAME-VERSION-py3-none-PLATFORM.whl", name)
	}
	tags := strings.Split(m[2], ".")
	for _, p := range platforms {
		if len(p.Tags) != len(tags) {
			continue
		}
		match := true
		for i, pattern := range p.Tags {
			re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), "%s", `\d+_\d+`) + "$")
			match = match && re.MatchString(tags[i])
		}
		if match {
			return p
		}
	}
	t.Fatalf("%s: tags %q are no platform's", name, tags)
	return platform{}
}

// Every platform goreleaser.yaml builds gets a wheel with the right tags
// and contents; a second build gives the same bytes; SOURCE_DATE_EPOCH
// sets every timestamp.
func TestWheels(t *testing.T) {
	cfg, err := readGoreleaser("../../goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first := build(t, nil)
	var want []string
	for _, p := range platforms {
		if cfg.targets(p.GOOS, p.GOARCH) {
			want = append(want, p.Name)
		}
	}
	for _, n := range []string{"linux_x86_64", "linux_aarch64", "macosx_x86_64", "macosx_arm64", "win_amd64", "win_arm64"} {
		if !slices.Contains(want, n) {
			t.Errorf("goreleaser.yaml no longer builds %s's binary: its wheel is required", n)
		}
	}
	var got []string
	for n := range first {
		got = append(got, n)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("wheels for %q, want %q", got, want)
	}

	version, _, err := gitVersion()
	if err != nil {
		t.Fatal(err)
	}
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := git("log", "-1", "--format=%ct")
	if err != nil {
		t.Fatal(err)
	}
	sec, _ := strconv.ParseInt(ct, 10, 64)
	for name, path := range first {
		p, _ := platformNamed(name)
		t.Run(name, func(t *testing.T) { checkWheel(t, p, path, version, commit, zipTime(sec)) })
	}

	// Reproducible: the same source gives the same bytes.
	second := build(t, nil)
	for name, path := range first {
		a, _ := os.ReadFile(path)
		b, err := os.ReadFile(second[name])
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: a second build differs (%v)", name, err)
		}
		if filepath.Base(path) != filepath.Base(second[name]) {
			t.Errorf("%s: named %s, then %s", name, filepath.Base(path), filepath.Base(second[name]))
		}
	}

	host := "linux_x86_64"
	if runtime.GOARCH == "arm64" {
		host = "linux_aarch64"
	}
	stamped := build(t, []string{"SOURCE_DATE_EPOCH=1700000001"}, "--platform", host, "--version", "9.8.7rc1", "--commit", "0123abcd")
	p, _ := platformNamed(host)
	checkWheel(t, p, stamped[host], "9.8.7rc1", "0123abcd", time.Unix(1700000000, 0))
}

// checkWheel checks one wheel, reading it independently of how it was
// written: file name, WHEEL, METADATA, entry points, RECORD (every file,
// its sha256 and size), permissions, timestamps, order, the Python files
// (those of python/mod_wsgi_express) and the binary (architecture, static,
// macOS tag, and for this machine the stamped version and commit).
func checkWheel(t *testing.T, p platform, path, version, commit string, mtime time.Time) {
	m := reWheelName.FindStringSubmatch(filepath.Base(path))
	if m[1] != version {
		t.Errorf("version %s in the file name, want %s", m[1], version)
	}
	tags := strings.Split(m[2], ".")
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	distInfo := "mod_wsgi_express-" + version + ".dist-info/"
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			t.Errorf("%s twice", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		files[f.Name] = data
		names = append(names, f.Name)
		wantMode := fs.FileMode(0o644)
		if strings.HasPrefix(f.Name, "mod_wsgi_express/bin/") {
			wantMode = 0o755
		}
		if f.CreatorVersion>>8 != 3 || fs.FileMode(f.ExternalAttrs>>16) != 0o100000|wantMode {
			t.Errorf("%s: creator %d, unix mode %o; want unix (3) and %o", f.Name, f.CreatorVersion>>8, f.ExternalAttrs>>16, 0o100000|wantMode)
		}
		if !f.Modified.Equal(mtime) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified.UTC(), mtime.UTC())
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want deflate", f.Name, f.Method)
		}
	}
	// Order: the package sorted, then .dist-info sorted, RECORD last.
	record := distInfo + "RECORD"
	if len(names) == 0 || names[len(names)-1] != record {
		t.Errorf("RECORD is not the last entry: %q", names)
	}
	rest := names[:max(0, len(names)-1)]
	split := slices.IndexFunc(rest, func(n string) bool { return strings.HasPrefix(n, distInfo) })
	if split < 0 || !slices.IsSorted(rest[:split]) || !slices.IsSorted(rest[split:]) ||
		slices.ContainsFunc(rest[split:], func(n string) bool { return !strings.HasPrefix(n, distInfo) }) {
		t.Errorf("entries not in order (package sorted, then .dist-info sorted): %q", names)
	}

	// RECORD lists every other file once, with its sha256 and size.
	rows, err := csv.NewReader(bytes.NewReader(files[record])).ReadAll()
	if err != nil {
		t.Fatalf("RECORD: %v", err)
	}
	listed := map[string]bool{}
	for _, r := range rows {
		if len(r) != 3 {
			t.Errorf("RECORD row %q: want 3 fields", r)
			continue
		}
		if listed[r[0]] {
			t.Errorf("RECORD lists %s twice", r[0])
		}
		listed[r[0]] = true
		if r[0] == record {
			if r[1] != "" || r[2] != "" {
				t.Errorf("RECORD's own row %q: want no hash or size", r)
			}
			continue
		}
		data, ok := files[r[0]]
		if !ok {
			t.Errorf("RECORD lists %s, which is not in the wheel", r[0])
			continue
		}
		sum := sha256.Sum256(data)
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); r[1] != want {
			t.Errorf("RECORD: %s hash %s, want %s", r[0], r[1], want)
		}
		if r[2] != strconv.Itoa(len(data)) {
			t.Errorf("RECORD: %s size %s, want %d", r[0], r[2], len(data))
		}
	}
	for n := range files {
		if !listed[n] {
			t.Errorf("%s is not in RECORD", n)
		}
	}

	// WHEEL: one Tag line for each platform tag of the file name.
	var wantWheel strings.Builder
	wantWheel.WriteString("Wheel-Version: 1.0\nGenerator: mod_wsgi-express scripts/build-wheels\nRoot-Is-Purelib: false\n")
	for _, tag := range tags {
		wantWheel.WriteString("Tag: py3-none-" + tag + "\n")
	}
	if got := string(files[distInfo+"WHEEL"]); got != wantWheel.String() {
		t.Errorf("WHEEL:\n%s\nwant:\n%s", got, wantWheel.String())
	}
	meta := string(files[distInfo+"METADATA"])
	for _, want := range []string{"Metadata-Version: 2.1\n", "Name: mod_wsgi_express\n", "Version: " + version + "\n", "Requires-Python: >=3.8\n", "License: MIT\n", "\n\n# mod_wsgi_express\n"} {
		if !strings.Contains(meta, want) {
			t.Errorf("METADATA lacks %q:\n%s", want, meta)
		}
	}
	if got, want := string(files[distInfo+"entry_points.txt"]), "[console_scripts]\nmod_wsgi-express = mod_wsgi_express.cli:main\n"; got != want {
		t.Errorf("entry_points.txt %q, want %q", got, want)
	}
	if !bytes.Contains(files["mod_wsgi_express/cli.py"], []byte("\ndef main(")) {
		t.Errorf("the entry point mod_wsgi_express.cli:main does not exist")
	}
	license, _ := os.ReadFile("../../LICENSE")
	if !bytes.Equal(files[distInfo+"LICENSE"], license) {
		t.Errorf("the .dist-info LICENSE is not the repository's")
	}

	// The package: exactly the Django app's .py files, and the binary.
	src := "../../python/mod_wsgi_express"
	wantPkg := map[string]bool{}
	filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".py" && !strings.Contains(path, "__pycache__") {
			rel, _ := filepath.Rel(filepath.Dir(src), path)
			data, _ := os.ReadFile(path)
			if !bytes.Equal(files[filepath.ToSlash(rel)], data) {
				t.Errorf("%s differs from the source or is missing", rel)
			}
			wantPkg[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	for _, n := range []string{"mod_wsgi_express/__init__.py", "mod_wsgi_express/cli.py", "mod_wsgi_express/management/commands/runmodwsgi.py"} {
		if !wantPkg[n] {
			t.Errorf("the source has no %s", n)
		}
	}
	binName := "mod_wsgi_express/bin/mod_wsgi-express"
	if p.GOOS == "windows" {
		binName += ".exe"
	}
	for n := range files {
		if !strings.HasPrefix(n, distInfo) && !wantPkg[n] && n != binName {
			t.Errorf("unexpected file %s", n)
		}
	}
	if len(files) != len(wantPkg)+1+5 {
		t.Errorf("%d files, want the %d Python files, the binary and 5 in .dist-info", len(files), len(wantPkg))
	}
	checkBinaryFile(t, p, files[binName], tags, version, commit)
}

func checkBinaryFile(t *testing.T, p platform, bin []byte, tags []string, version, commit string) {
	if len(bin) == 0 {
		t.Fatalf("no binary")
	}
	switch p.GOOS {
	case "linux":
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatal(err)
		}
		arch := map[elf.Machine]string{elf.EM_X86_64: "x86_64", elf.EM_AARCH64: "aarch64"}[f.Machine]
		for _, tag := range tags {
			if !strings.HasSuffix(tag, "_"+arch) {
				t.Errorf("binary for %v in a wheel tagged %s", f.Machine, tag)
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 || slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }) {
			t.Errorf("binary is not static (libraries %q): manylinux and musllinux tags need a static one", libs)
		}
	case "darwin":
		f, err := macho.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatal(err)
		}
		arch := map[macho.Cpu]string{macho.CpuAmd64: "x86_64", macho.CpuArm64: "arm64"}[f.Cpu]
		minOS, err := macOSMinimum(f)
		if err != nil {
			t.Fatal(err)
		}
		if want := "macosx_" + minOS + "_" + arch; !slices.Equal(tags, []string{want}) {
			t.Errorf("tags %q for a %v binary needing macOS %s; want %s", tags, f.Cpu, minOS, want)
		}
	case "windows":
		f, err := pe.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatal(err)
		}
		arch := map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
		if want := "win_" + arch; !slices.Equal(tags, []string{want}) || f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 {
			t.Errorf("tags %q for a PE file for machine %#x (characteristics %#x); want an executable and %s", tags, f.Machine, f.Characteristics, want)
		}
	default:
		t.Fatalf("no check for a %s binary", p.GOOS)
	}
	if p.GOOS != runtime.GOOS || p.GOARCH != runtime.GOARCH {
		return
	}
	exe := filepath.Join(t.TempDir(), "mod_wsgi-express")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", exe, err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "mod_wsgi-express "+version {
		t.Errorf("the binary says %q, want the wheel's version %s", first, version)
	}
	if !strings.Contains(string(out), "commit:   "+commit+"\n") {
		t.Errorf("the binary does not carry commit %s:\n%s", commit, out)
	}
}
