package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/internal/atomicfile"
)

// NewCmdInstallModule builds install-module. runF replaces the real run in
// tests.
func NewCmdInstallModule(f *Factory, runF func(*ModuleOptions) error) *cobra.Command {
	c := newModuleCmd(f, runF, installModuleRun, &cobra.Command{
		Use:   "install-module",
		Short: "Copy the mod_wsgi module into Apache's modules directory and print the lines that load it",
		Long: `Copy the mod_wsgi module this tool would use (see module-location) into
Apache's modules directory, or the directory given by --modules-directory,
and print the Apache directives that load the copy.`,
	})
	c.Flags().Lookup("modules-directory").Usage = "directory to copy the module into (default: apxs LIBEXECDIR, else Apache's modules directory)"
	return c
}

func installModuleRun(opts *ModuleOptions) error {
	// --modules-directory names the destination here, not where to look.
	find := opts.Options
	find.ModulesDirectory = ""
	s, err := findModuleSetup(find, opts.Machine)
	if err != nil {
		return err
	}
	if err := discover.CheckLoadable(s.Module); err != nil {
		return err
	}
	dir := opts.Options.ModulesDirectory
	if dir == "" {
		if dir, err = discover.DefaultInstallDir(opts.Machine); err != nil {
			return err
		}
	}
	target, err := installModule(s.Module, dir)
	if err != nil {
		return err
	}
	printLines(opts.IO, discover.ModuleLines(s.Module, target, s.Python))
	return nil
}

// installModule copies the module file into dir under its own name and
// returns the copy's path. Copying a file onto itself does nothing.
func installModule(mi discover.ModuleInfo, dir string) (string, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return "", fault.Usagef("modules-directory", "%s is not a directory; give Apache's modules directory", dir)
	}
	target := filepath.Join(dir, filepath.Base(mi.Path))
	if a, err := os.Stat(mi.Path); err == nil {
		if b, err := os.Stat(target); err == nil && os.SameFile(a, b) {
			return target, nil
		}
	}
	data, err := os.ReadFile(mi.Path)
	if err != nil {
		return "", &fault.RuntimeError{Msg: fmt.Sprintf("reading %s: %v", mi.Path, err)}
	}
	if err := atomicfile.Write(target, data, 0o644, nil); err != nil {
		return "", &fault.RuntimeError{Msg: fmt.Sprintf("installing %s: %v", target, err)}
	}
	return target, nil
}
