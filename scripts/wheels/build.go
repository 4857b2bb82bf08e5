package main

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"
)

// platform is one wheel: the Go target of its binary and the platform tags
// it installs on.
type platform struct {
	Name         string // --platform
	GOOS, GOARCH string
	// Tags are the wheel's platform tags, in its file name in this order.
	// A static Linux binary needs no C library, so one wheel serves glibc
	// systems (manylinux 2.17, i.e. manylinux2014: the oldest glibc line
	// whose kernels, 3.10, Go's minimum of 3.2 allows) and musl systems
	// (musllinux). A macOS tag's %s is the minimum macOS version recorded
	// in the built binary (12_0 with Go 1.26), so it follows the toolchain.
	Tags []string
}

// platforms are every wheel this script knows. Those whose Go target
// goreleaser.yaml builds are made (all of them now). A Windows wheel
// carries mod_wsgi-express.exe, which offers module-config,
// module-location, doctor and version there (docs/windows.md).
var platforms = []platform{
	{"linux_x86_64", "linux", "amd64", []string{"manylinux_2_17_x86_64", "manylinux2014_x86_64", "musllinux_1_1_x86_64"}},
	{"linux_aarch64", "linux", "arm64", []string{"manylinux_2_17_aarch64", "manylinux2014_aarch64", "musllinux_1_1_aarch64"}},
	{"macosx_x86_64", "darwin", "amd64", []string{"macosx_%s_x86_64"}},
	{"macosx_arm64", "darwin", "arm64", []string{"macosx_%s_arm64"}},
	{"win_amd64", "windows", "amd64", []string{"win_amd64"}},
	{"win_arm64", "windows", "arm64", []string{"win_arm64"}},
}

// goBuild is goreleaser.yaml's (only) build: the wheels' binaries are
// built the same way, so a wheel carries what the release archives carry.
type goBuild struct {
	Main    string   `yaml:"main"`
	Binary  string   `yaml:"binary"`
	Env     []string `yaml:"env"`
	Goos    []string `yaml:"goos"`
	Goarch  []string `yaml:"goarch"`
	Flags   []string `yaml:"flags"`
	Ldflags []string `yaml:"ldflags"`
}

func (b goBuild) targets(goos, goarch string) bool {
	return slices.Contains(b.Goos, goos) && slices.Contains(b.Goarch, goarch)
}

func readGoreleaser(path string) (goBuild, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return goBuild{}, fmt.Errorf("%v (run scripts/build-wheels from a checkout of the repository)", err)
	}
	var c struct {
		Builds []goBuild `yaml:"builds"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return goBuild{}, fmt.Errorf("%s: %v", path, err)
	}
	if len(c.Builds) != 1 {
		return goBuild{}, fmt.Errorf("%s has %d builds; this script follows exactly one", path, len(c.Builds))
	}
	b := c.Builds[0]
	if b.Main == "" {
		b.Main = "."
	}
	if b.Binary == "" {
		return goBuild{}, fmt.Errorf("%s: builds[0] names no binary", path)
	}
	return b, nil
}

// stamping is what identifies a build: the version (of the wheel and in the
// binary), the commit and the time every zip entry carries.
type stamping struct {
	Version string
	Commit  string
	Tag     string // the tag the version was worked out from, "" if none
	Time    time.Time
}

func stamp(version, commit string) (stamping, error) {
	var st stamping
	if version != "" {
		if !rePEP440.MatchString(version) {
			return st, usagef("--version %s is not a public PEP 440 version such as 1.2.3, 1.2.3rc1 or 1.2.4.dev5", version)
		}
		st.Version = version
	} else {
		v, tag, err := gitVersion()
		if err != nil {
			return st, err
		}
		st.Version, st.Tag = v, tag
	}
	st.Commit = commit
	if st.Commit == "" {
		out, err := git("rev-parse", "HEAD")
		if err != nil {
			return st, fmt.Errorf("cannot find the commit (%v); pass --commit", err)
		}
		st.Commit = out
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		out, err := git("log", "-1", "--format=%ct")
		if err != nil {
			return st, fmt.Errorf("cannot find the last commit's time (%v); set SOURCE_DATE_EPOCH", err)
		}
		epoch = out
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil || sec < 0 {
		return st, usagef("SOURCE_DATE_EPOCH is %q; give seconds since 1970 (e.g. git log -1 --format=%%ct)", epoch)
	}
	st.Time = zipTime(sec)
	return st, nil
}

// zipTime is the time every entry carries: sec, clamped to what a zip's
// MS-DOS date field holds (1980-2107), to the even second it stores.
func zipTime(sec int64) time.Time {
	lo := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC).Unix()
	sec = max(lo, min(hi, sec))
	return time.Unix(sec-sec%2, 0).UTC()
}

func git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// gitVersion works out the version from the last vX.Y.Z tag: X.Y.Z on the
// tag, the next version's .devN N commits after it, 0.0.0.devN (N commits
// in all) when no tag exists.
func gitVersion() (version, tag string, err error) {
	desc, derr := git("describe", "--tags", "--long", "--match", "v[0-9]*")
	if derr != nil {
		n, err := git("rev-list", "--count", "HEAD")
		if err != nil {
			return "", "", fmt.Errorf("cannot work out the version (%v); pass --version", err)
		}
		return "0.0.0.dev" + n, "", nil
	}
	m := reDescribe.FindStringSubmatch(desc)
	if m == nil {
		return "", "", fmt.Errorf("git describe gave %q, not TAG-N-gHASH; pass --version", desc)
	}
	distance, _ := strconv.Atoi(m[2])
	v, err := versionFromTag(m[1], distance)
	return v, m[1], err
}

var (
	reDescribe = regexp.MustCompile(`^(.+)-(\d+)-g[0-9a-f]+$`)
	// A tag: vX.Y.Z with an optional pre-release, spelt the semver way
	// (-rc.1, -beta.2, -alpha.3) or the Python way (rc1, b2, a3).
	reTag = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(?:-?(a|alpha|b|beta|rc)\.?(\d+))?$`)
	// A public PEP 440 version in canonical form.
	rePEP440 = regexp.MustCompile(`^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$`)
)

// versionFromTag is the PEP 440 version distance commits after tag.
func versionFromTag(tag string, distance int) (string, error) {
	m := reTag.FindStringSubmatch(tag)
	if m == nil {
		return "", fmt.Errorf("the tag %s is not vX.Y.Z (optionally with -rc.N, -beta.N, -alpha.N); pass --version", tag)
	}
	major, minor, patch := atoi(m[1]), atoi(m[2]), atoi(m[3])
	pre := map[string]string{"a": "a", "alpha": "a", "b": "b", "beta": "b", "rc": "rc", "": ""}[m[4]]
	if distance == 0 {
		v := fmt.Sprintf("%d.%d.%d", major, minor, patch)
		if pre != "" {
			v += fmt.Sprintf("%s%d", pre, atoi(m[5]))
		}
		return v, nil
	}
	// After a release, the next patch release is in development; after a
	// pre-release, the next pre-release.
	if pre == "" {
		return fmt.Sprintf("%d.%d.%d.dev%d", major, minor, patch+1, distance), nil
	}
	return fmt.Sprintf("%d.%d.%d%s%d.dev%d", major, minor, patch, pre, atoi(m[5])+1, distance), nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// buildAll builds each platform's binary and writes its wheel into out.
func buildAll(cfg goBuild, selected []platform, st stamping, out string, log io.Writer) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	pkg, err := packageFiles(filepath.Join("python", "mod_wsgi_express"))
	if err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join("python", "README.md"))
	if err != nil {
		return err
	}
	license, err := os.ReadFile("LICENSE")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "build-wheels-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, p := range selected {
		start := time.Now()
		bin, err := buildBinary(cfg, p, st, tmp)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		tags, err := checkBinary(p, data)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(cfg.Binary), ".exe")
		if p.GOOS == "windows" {
			name += ".exe"
		}
		w := wheel{
			Version: st.Version,
			Tags:    tags,
			Time:    st.Time,
			Files:   append(slices.Clone(pkg), file{Name: "mod_wsgi_express/bin/" + name, Data: data, Mode: 0o755}),
			Readme:  readme,
			License: license,
		}
		path, size, err := w.write(out)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "%s  %.1f MB  (%s/%s, %.0fs)\n", path, float64(size)/1e6, p.GOOS, p.GOARCH, time.Since(start).Seconds())
	}
	return nil
}

// buildBinary builds the binary for p exactly as goreleaser.yaml's build
// does, with its templates filled from st.
func buildBinary(cfg goBuild, p platform, st stamping, tmp string) (string, error) {
	short := st.Commit
	if len(short) > 7 {
		short = short[:7]
	}
	data := map[string]string{
		"Version": st.Version, "Commit": st.Commit, "FullCommit": st.Commit, "ShortCommit": short,
		"Tag": st.Tag, "Os": p.GOOS, "Arch": p.GOARCH, "ProjectName": "mod_wsgi-express",
	}
	render := func(what string, in []string) ([]string, error) {
		var out []string
		for _, s := range in {
			t, err := template.New(what).Option("missingkey=error").Parse(s)
			if err != nil {
				return nil, fmt.Errorf("goreleaser.yaml %s %q: %v", what, s, err)
			}
			var b strings.Builder
			if err := t.Execute(&b, data); err != nil {
				return nil, fmt.Errorf("goreleaser.yaml %s %q: %v (this script fills only %s)", what, s, err, strings.Join(keys(data), ", "))
			}
			out = append(out, b.String())
		}
		return out, nil
	}
	ldflags, err := render("ldflags", cfg.Ldflags)
	if err != nil {
		return "", err
	}
	env, err := render("env", cfg.Env)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(tmp, p.Name, filepath.Base(cfg.Binary))
	args := append([]string{"build", "-o", bin}, cfg.Flags...)
	args = append(args, "-ldflags="+strings.Join(ldflags, " "), cfg.Main)
	cmd := exec.Command("go", args...)
	cmd.Env = append(append(os.Environ(), env...), "GOOS="+p.GOOS, "GOARCH="+p.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: GOOS=%s GOARCH=%s go %s: %v\n%s", p.Name, p.GOOS, p.GOARCH, strings.Join(args, " "), err, out)
	}
	return bin, nil
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, "{{."+key+"}}")
	}
	slices.Sort(k)
	return k
}

// checkBinary makes sure the binary is what the tags promise (the right
// architecture; on Linux, static) and returns the platform tags.
func checkBinary(p platform, data []byte) ([]string, error) {
	r := bytes.NewReader(data)
	switch p.GOOS {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not an ELF binary: %v", p.Name, err)
		}
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[p.GOARCH]
		if f.Machine != want {
			return nil, fmt.Errorf("%s: binary is for %v, want %v", p.Name, f.Machine, want)
		}
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				return nil, fmt.Errorf("%s: binary is dynamically linked (build with CGO_ENABLED=0); a manylinux/musllinux tag needs a static one", p.Name)
			}
		}
		return p.Tags, nil
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not a Mach-O binary: %v", p.Name, err)
		}
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[p.GOARCH]
		if f.Cpu != want {
			return nil, fmt.Errorf("%s: binary is for %v, want %v", p.Name, f.Cpu, want)
		}
		minOS, err := macOSMinimum(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p.Name, err)
		}
		var tags []string
		for _, t := range p.Tags {
			tags = append(tags, fmt.Sprintf(t, minOS))
		}
		return tags, nil
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not a PE binary: %v", p.Name, err)
		}
		want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[p.GOARCH]
		if f.Machine != want {
			return nil, fmt.Errorf("%s: binary is for machine %#x, want %#x", p.Name, f.Machine, want)
		}
		return p.Tags, nil
	}
	return nil, fmt.Errorf("%s: unknown GOOS %s", p.Name, p.GOOS)
}

// macOSMinimum is the binary's minimum macOS version as a wheel tag spells
// it ("12_0"), from LC_BUILD_VERSION or the older LC_VERSION_MIN_MACOSX.
func macOSMinimum(f *macho.File) (string, error) {
	const lcBuildVersion, lcVersionMinMacOSX = 0x32, 0x24
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) < 16 {
			continue
		}
		var v uint32
		switch f.ByteOrder.Uint32(raw) {
		case lcBuildVersion: // cmd, cmdsize, platform, minos, ...
			v = f.ByteOrder.Uint32(raw[12:])
		case lcVersionMinMacOSX: // cmd, cmdsize, version, sdk
			v = f.ByteOrder.Uint32(raw[8:])
		default:
			continue
		}
		return fmt.Sprintf("%d_%d", v>>16, (v>>8)&0xff), nil
	}
	return "", fmt.Errorf("the Mach-O binary records no minimum macOS version")
}
