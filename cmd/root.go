// Package cmd is the command-line interface: it parses arguments into
// express.Options, calls the express package, and prints the result.
package cmd

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
	"github.com/modwsgi-go/mod_wsgi-express/fault"
	"github.com/modwsgi-go/mod_wsgi-express/iostreams"
)

// Build information, stamped by the linker (see goreleaser.yaml).
var (
	Version = "dev"
	Commit  = "none"
)

// Factory carries what commands need from the outside world, so tests can
// substitute streams and the host.
type Factory struct {
	IO      iostreams.IOStreams
	Machine discover.Machine
	// Width is the terminal's width in columns, for --help; nil or 0 is
	// 80 (not a terminal).
	Width func() int
}

// helpWidth is the width --help is wrapped to: the terminal's, else 80.
func (f *Factory) helpWidth() int {
	if f.Width != nil {
		if w := f.Width(); w > 0 {
			return w
		}
	}
	return 80
}

// DefaultFactory uses the process's standard streams and the real machine.
func DefaultFactory() *Factory {
	return &Factory{
		IO:      iostreams.System(),
		Machine: discover.RealMachine{},
		Width: func() int {
			w, _, err := term.GetSize(int(os.Stdout.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "mod_wsgi-express",
		Short: "Run a Python WSGI application with Apache httpd and mod_wsgi, with no Apache configuration to write",
		Long: `mod_wsgi-express turns a WSGI application into a running Apache httpd +
mod_wsgi server. It writes a complete server configuration into a server root
directory and starts Apache in the foreground.

  mod_wsgi-express start-server app.wsgi
  mod_wsgi-express start-server --application-type module myproject.wsgi
  mod_wsgi-express setup-server app.wsgi --port 8080 --server-root /etc/myapp`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noCommand,
		RunE: func(c *cobra.Command, args []string) error {
			c.SetOut(f.IO.Err)
			c.Usage()
			return &exitCode{2}
		},
	}
	root.SuggestionsMinimumDistance = 2 // start-sever: start-server
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	// Our own completion command (bash, zsh, fish) replaces cobra's.
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &flagError{err: suggestFlag(c, plainFlagError(err)), cmd: c}
	})
	root.AddCommand(NewCmdStartServer(f, nil), NewCmdSetupServer(f, nil), NewCmdVersion(f),
		NewCmdModuleConfig(f, nil), NewCmdModuleLocation(f, nil), NewCmdInstallModule(f, nil), NewCmdDoctor(f, nil), NewCmdTop(f, nil))
	root.AddCommand(NewCmdCompletion(f))
	// Last: config file, environment and value completion for the options
	// of every command added above.
	enableConfig(root, getenvOf(f), environOf(f))
	return root
}

func getenvOf(f *Factory) func(string) string {
	if f.Machine != nil {
		return f.Machine.Getenv
	}
	return os.Getenv
}

var reParseError = regexp.MustCompile(`^invalid argument (".*") for "(--[a-z0-9-]+)" flag: strconv\.Parse(Int|Uint|Float|Bool): parsing ".*": (invalid syntax|value out of range)$`)

// plainFlagError says what a number or on/off option wants instead of
// quoting Go's strconv error (`--port: "abc" is not a whole number`).
func plainFlagError(err error) error {
	m := reParseError.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, option, kind, why := m[1], m[2], m[3], m[4]
	want := map[string]string{"Int": "a whole number", "Uint": "a whole number of 0 or more", "Float": "a number", "Bool": "true or false"}[kind]
	if why == "value out of range" {
		return fmt.Errorf("%s: %s is out of range", option, value)
	}
	return fmt.Errorf("%s: %s is not %s", option, value, want)
}

// environOf lists the environment of f's host when it can (the real
// machine's, or a test host's own), for warnings about unknown variables.
func environOf(f *Factory) func() []string {
	if e, ok := f.Machine.(interface{ Environ() []string }); ok {
		return e.Environ
	}
	if f.Machine == nil {
		return os.Environ
	}
	return nil
}

type exitCode struct{ code int }

func (e *exitCode) Error() string { return fmt.Sprintf("exit status %d", e.code) }

type flagError struct {
	err error
	cmd *cobra.Command
}

func (e *flagError) Error() string { return e.err.Error() }

// Execute runs the command line and returns the process exit status:
// 0 success, 2 a usage or validation error, 1 a failure to start, or
// Apache's own status.
func Execute(f *Factory, args []string) int {
	root := NewRootCmd(f)
	twoArg := twoArgFlags(root)
	var joined []string
	var err error
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		joined, err = joinPairArgsForCompletion(args, twoArg)
	} else if joined, err = expandAbbreviations(root, args); err == nil {
		joined, err = joinPairArgs(joined, twoArg)
	}
	if err != nil {
		fmt.Fprintf(f.IO.Err, "Error: %v\n", err)
		return 2
	}
	root.SetArgs(joined)
	err = root.Execute()
	return report(f, err)
}

func report(f *Factory, err error) int {
	if err == nil {
		return 0
	}
	var ec *exitCode
	var fe *flagError
	var ue *fault.UsageError
	var ee *fault.ExitError
	var ce *ConfigError
	switch {
	case errors.As(err, &ec):
		return ec.code
	case errors.As(err, &fe):
		fmt.Fprintf(f.IO.Err, "Error: %v\nRun '%s --help' for the options.\n", fe.err, fe.cmd.CommandPath())
		return 2
	case errors.As(err, &ce):
		fmt.Fprintf(f.IO.Err, "Error: %v\n", ce)
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(f.IO.Err, "Error: %v\n", ue)
		return 2
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, new(*unknownCommand)):
		fmt.Fprintf(f.IO.Err, "Error: %v\nRun 'mod_wsgi-express --help' for the commands.\n", err)
		return 2
	case strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "accepts ") || strings.HasPrefix(err.Error(), "unknown flag") || strings.HasPrefix(err.Error(), "invalid argument"):
		fmt.Fprintf(f.IO.Err, "Error: %v\nRun 'mod_wsgi-express --help' for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(f.IO.Err, "Error: %v\n", err)
		return 1
	}
}

// twoArgFlags maps every two-argument option of the tree to its metavar.
func twoArgFlags(root *cobra.Command) map[string]string {
	out := map[string]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if len(fl.Annotations[annNargs]) > 0 {
				out[fl.Name] = strings.Join(fl.Annotations[annMetavar], "")
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

// joinPairArgsForCompletion joins the two-argument options of a shell
// completion request, whose last argument is the word being completed and
// whose last pair may be incomplete: the first value of a pair completes as
// the option's value, the second as an argument (file names).
func joinPairArgsForCompletion(args []string, twoArg map[string]string) ([]string, error) {
	if len(args) == 0 {
		return args, nil
	}
	head, last := args[:len(args)-1:len(args)-1], args[len(args)-1]
	if j, err := joinPairArgs(head, twoArg); err == nil {
		return append(j, last), nil
	}
	// "--name A" then the word: the pair gets an empty second value.
	if j, err := joinPairArgs(append(head, ""), twoArg); err == nil {
		return append(j, last), nil
	}
	// "--name" then the word: the word is the option's first value.
	if len(head) > 0 {
		if j, err := joinPairArgs(head[:len(head)-1], twoArg); err == nil {
			return append(j, head[len(head)-1], last), nil
		}
	}
	return joinPairArgs(args, twoArg)
}
