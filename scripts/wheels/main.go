// Command wheels writes the platform wheels of mod_wsgi-express. Run it
// through scripts/build-wheels, which starts it in the repository root:
//
//	scripts/build-wheels [--clean] [--platform NAME|host]... [--version V] [--commit SHA] OUTDIR
//
// Each wheel carries the static binary for its platform, built with the
// flags and version-stamping ldflags of goreleaser.yaml's build, the
// Django app of python/mod_wsgi_express, and a mod_wsgi-express console
// entry point that runs the binary. The zips are written here (no pip, no
// network) and reproducibly: fixed timestamps, sorted entries, fixed
// permissions.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// usageError is bad input: the message names the option and the fix, and
// the exit status is 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("build-wheels", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names stringList
	fs.Var(&names, "platform", "build only this platform (repeatable or comma-separated; see --list), or host for this machine's; default: every platform goreleaser.yaml builds a binary for")
	version := fs.String("version", "", "the version (PEP 440, e.g. 1.2.3 or 1.2.4.dev5) instead of the one worked out from the last vX.Y.Z git tag")
	commit := fs.String("commit", "", "the commit stamped into the binary instead of git's HEAD")
	list := fs.Bool("list", false, "print the wheel platforms, their Go targets and tags, and build nothing")
	clean := fs.Bool("clean", false, "first remove the mod_wsgi_express-*.whl files already in OUTDIR (the release configuration ships every wheel there)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: scripts/build-wheels [--clean] [--platform NAME|host]... [--version V] [--commit SHA] OUTDIR\n"+
			"       scripts/build-wheels --list\n\n"+
			"Writes the platform wheels (static binary + Django app) into OUTDIR.\n"+
			"Timestamps come from $SOURCE_DATE_EPOCH, else the last commit.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	err := func() error {
		cfg, err := readGoreleaser("goreleaser.yaml")
		if err != nil {
			return err
		}
		if *list {
			return printPlatforms(stdout, cfg)
		}
		if fs.NArg() != 1 {
			return usagef("give one OUTDIR, the directory to write the wheels into (got %d arguments: %q)", fs.NArg(), fs.Args())
		}
		selected, err := selectPlatforms(cfg, names)
		if err != nil {
			return err
		}
		out := fs.Arg(0)
		if !filepath.IsAbs(out) {
			if caller := os.Getenv("BUILD_WHEELS_CALLER_DIR"); caller != "" {
				out = filepath.Join(caller, out)
			}
		}
		st, err := stamp(*version, *commit)
		if err != nil {
			return err
		}
		if *clean {
			old, _ := filepath.Glob(filepath.Join(out, distribution+"-*.whl"))
			for _, f := range old {
				if err := os.Remove(f); err != nil {
					return err
				}
			}
		}
		return buildAll(cfg, selected, st, out, stdout)
	}()
	if err != nil {
		fmt.Fprintf(stderr, "build-wheels: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func printPlatforms(w io.Writer, cfg goBuild) error {
	for _, p := range platforms {
		state := "built"
		if !cfg.targets(p.GOOS, p.GOARCH) {
			state = "not built: goreleaser.yaml does not build " + p.GOOS + "/" + p.GOARCH
		}
		fmt.Fprintf(w, "%-14s %-14s %-60s %s\n", p.Name, p.GOOS+"/"+p.GOARCH, strings.Join(p.Tags, "."), state)
	}
	return nil
}

// selectPlatforms is the platforms asked for, or every platform whose Go
// target goreleaser.yaml builds. A platform goreleaser does not build (yet)
// is refused: its wheel would carry a binary no release ships.
func selectPlatforms(cfg goBuild, names []string) ([]platform, error) {
	if len(names) == 0 {
		var out []platform
		for _, p := range platforms {
			if cfg.targets(p.GOOS, p.GOARCH) {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("goreleaser.yaml builds none of the wheel platforms (see --list)")
		}
		return out, nil
	}
	var out []platform
	seen := map[string]bool{}
	for _, n := range names {
		if n == "host" {
			h, ok := hostPlatform(runtime.GOOS, runtime.GOARCH)
			if !ok {
				return nil, usagef("--platform host: this machine (%s/%s) has no wheel platform; name one of --list", runtime.GOOS, runtime.GOARCH)
			}
			n = h.Name
		}
		p, ok := platformNamed(n)
		if !ok {
			var known []string
			for _, p := range platforms {
				known = append(known, p.Name)
			}
			return nil, usagef("--platform %s: no such platform; choose from %s", n, strings.Join(known, ", "))
		}
		if !cfg.targets(p.GOOS, p.GOARCH) {
			return nil, usagef("--platform %s: goreleaser.yaml does not build %s/%s; add %s to builds[0].goos and %s to its goarch once the binary builds there",
				n, p.GOOS, p.GOARCH, p.GOOS, p.GOARCH)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// hostPlatform is the wheel platform of a Go target (the machine's own for
// --platform host).
func hostPlatform(goos, goarch string) (platform, bool) {
	for _, p := range platforms {
		if p.GOOS == goos && p.GOARCH == goarch {
			return p, true
		}
	}
	return platform{}, false
}

func platformNamed(name string) (platform, bool) {
	for _, p := range platforms {
		if p.Name == name {
			return p, true
		}
	}
	return platform{}, false
}
