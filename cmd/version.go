package cmd

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// NewCmdVersion builds the version command.
func NewCmdVersion(f *Factory) *cobra.Command {
	o := express.DefaultOptions()
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version of this tool, and of the Apache and mod_wsgi it finds",
		Long: `Print the version of this tool, the commit it was built from and the Go
version, then the Apache httpd and mod_wsgi module that start-server would use
(found the same way: $HTTPD, apxs, PATH; $MOD_WSGI_MODULE, the virtualenv,
Apache's modules directory). A missing Apache or module is reported as "not
found", not as an error.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			writeVersion(f.IO.Out, f.Machine, o)
			return nil
		},
	}
	// start-server's own options for finding them, so the same flags,
	// MOD_WSGI_EXPRESS_* variables and --config file apply.
	addOptionSubset(c.Flags(), &o, "httpd-executable", "modules-directory", "mod-wsgi-module")
	setGroupedHelp(c, f)
	return c
}

func writeVersion(w io.Writer, h discover.Machine, o express.Options) {
	fmt.Fprintf(w, "mod_wsgi-express %s\n", Version)
	fmt.Fprintf(w, "  commit:   %s\n", Commit)
	fmt.Fprintf(w, "  go:       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if h == nil {
		return
	}
	d, err := discover.Discover(h, discover.Given{HTTPD: o.HTTPDExecutable, ModulesDir: o.ModulesDirectory, Module: o.ModWSGIModule})
	if d.HTTPD == "" {
		fmt.Fprintf(w, "  apache:   not found (%v)\n", err)
		fmt.Fprintf(w, "  mod_wsgi: not found (no Apache)\n")
		return
	}
	fmt.Fprintf(w, "  apache:   %s (%s)\n", apacheVersion(h, d.HTTPD), d.HTTPD)
	if d.Module.Path == "" || (err != nil && d.Module.Version == "") {
		fmt.Fprintf(w, "  mod_wsgi: not found (%v)\n", err)
		return
	}
	mv := d.Module.Version
	if mv == "" {
		mv = "unknown version"
	}
	if d.Module.PythonVersion != "" {
		mv += " for Python " + d.Module.PythonVersion
	}
	fmt.Fprintf(w, "  mod_wsgi: %s (%s)\n", mv, d.Module.Path)
}

// apacheVersion is what `httpd -v` reports, e.g. "Apache/2.4.62 (Debian)".
func apacheVersion(h discover.Machine, httpd string) string {
	out, err := h.Output(httpd, "-v")
	if err != nil {
		return fmt.Sprintf("unknown version (%s -v: %v)", httpd, err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Server version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown version"
}
