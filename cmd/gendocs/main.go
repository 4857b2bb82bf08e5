// Command gendocs writes the generated documentation from the command
// definitions: docs/options.md, docs/commands.md and the man pages in
// docs/man. Run it from the repository root after changing any command or
// option:
//
//	go run ./cmd/gendocs
//
// The test in this directory fails when the committed files are stale.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/cmd"
	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// Refresh is the command that regenerates the docs.
const Refresh = "go run ./cmd/gendocs"

// manDate is the date in the man pages' footer: fixed, so that the output
// depends only on the command definitions. Bump it when releasing.
var manDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

func main() {
	dir := "docs"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := generate(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// generate writes every generated file under dir.
func generate(dir string) error {
	files, err := render()
	if err != nil {
		return err
	}
	// Man pages of commands that no longer exist go.
	old, _ := filepath.Glob(filepath.Join(dir, "man", "*.1"))
	for _, p := range old {
		if _, ok := files[filepath.Join("man", filepath.Base(p))]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func newRoot() *cobra.Command {
	root := cmd.NewRootCmd(cmd.DefaultFactory())
	root.DisableAutoGenTag = true
	return root
}

// render returns every generated file by path relative to docs/.
func render() (map[string][]byte, error) {
	files := map[string][]byte{}
	root := newRoot()
	start, _, err := root.Find([]string{"start-server"})
	if err != nil {
		return nil, err
	}
	files["options.md"] = optionsDoc(start)
	files["commands.md"] = commandsDoc(root, start)

	tmp, err := os.MkdirTemp("", "gendocs-man")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	hdr := &doc.GenManHeader{Section: "1", Date: &manDate, Source: "mod_wsgi-express", Manual: "mod_wsgi-express manual"}
	if err := doc.GenManTree(newRoot(), hdr, tmp); err != nil {
		return nil, err
	}
	pages, _ := filepath.Glob(filepath.Join(tmp, "*.1"))
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files[filepath.Join("man", filepath.Base(p))] = b
	}
	return files, nil
}

const generatedNote = "<!-- Generated from the command definitions by `" + Refresh + "`; do not edit. -->\n"

func optionsDoc(start *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Options of start-server and setup-server\n\n%s\n", generatedNote)
	b.WriteString(`start-server and setup-server take the same options, listed here under the
headings of ` + "`--help`" + `. Every option can also come from the environment or a
config file; on the command line, a two-argument option takes its two values
as two arguments (` + "`--setenv NAME VALUE`" + `) and a repeatable one is given once
per value.

## Environment and config file

For an option not given on the command line, mod_wsgi-express looks for the
environment variable ` + "`" + cmd.EnvPrefix + "<OPTION>`" + ` (the option name in capitals,
dashes as underscores: ` + "`" + cmd.EnvName("server-mpm") + "`" + `), then for the key of the option's
name in the file given with ` + "`--config FILE`" + ` (or ` + "`$" + cmd.EnvName("config") + "`" + `), then
uses the default. So a flag beats the environment, which beats the file.

| Option kind | Environment value | Config file value |
|---|---|---|
| single value | the value: ` + "`" + cmd.EnvName("port") + "=8080`" + ` | ` + "`port: 8080`" + ` |
| on/off | ` + "`true`, `false`, `1` or `0`" + ` | ` + "`access-log: true`" + ` |
| repeatable | comma-separated; newline-separated when an item has a comma: ` + "`" + cmd.EnvName("python-path") + "=/srv/a,/srv/b`" + ` | a list: ` + "`python-path: [/srv/a, /srv/b]`" + ` |
| two-argument | ` + "`NAME=VALUE`" + ` items, separated as above: ` + "`" + cmd.EnvName("setenv") + "=MODE=prod,DEBUG=0`" + ` | a list of two-item lists: ` + "`setenv: [[MODE, prod], [DEBUG, \"0\"]]`" + ` |

An empty environment variable counts as unset; one that names no option
of any command (a misspelling, say) is ignored with a warning. The file is YAML (` + "`.yaml`" + `,
` + "`.yml`" + `), TOML (` + "`.toml`" + `) or JSON (` + "`.json`" + `), chosen by its extension; its
keys are the long option names without the dashes. A key that is no
command's option is an error naming it; a command ignores the keys of options
only other commands have, so one file can serve several. A repeatable option set by the environment or
the file replaces the default list rather than adding to it.

On the command line a long option may be shortened to any unambiguous
prefix (` + "`--thr 10`" + ` for ` + "`--threads 10`" + `), as with the Python mod_wsgi-express; an
exact name always wins, and a prefix of several names is an error listing
them. Config file keys and environment variables take the full name.

` + "`--print-config`" + ` prints every option's resolved value and where it came from
(flag, argument, env, file or default) in the config file's YAML form, and
exits without writing anything:

    mod_wsgi-express setup-server app.wsgi --config site.yaml --print-config

A config file, for example ` + "`site.yaml`" + `:

    port: 8080
    processes: 2
    threads: 10
    server-mpm: [event]
    python-path: [/srv/app/src]
    url-alias:
      - [/static, /srv/app/static]
    setenv:
      - [APP_MODE, production]
`)
	groups := cmd.FlagGroups(start.Flags())
	for _, g := range cmd.GroupOrder {
		flags := groups[g]
		if len(flags) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n", g)
		for _, f := range flags {
			fmt.Fprintf(&b, "- `%s`", cmd.FlagSynopsis(f))
			if d := cmd.FlagDefault(f); d != "" {
				fmt.Fprintf(&b, " (default `%s`)", d)
			}
			fmt.Fprintf(&b, ": %s\n", oneLine(f.Usage))
		}
	}
	conventionsDoc(&b)
	return b.Bytes()
}

// conventionsDoc is what included configuration files can rely on: the
// server root's variables and Apache's defines (express/conventions.go).
func conventionsDoc(b *bytes.Buffer) {
	env, defines := express.ConventionsDoc()
	b.WriteString(`
## Variables and defines for included files

The generated apachectl exports these variables to Apache, as the Python
mod_wsgi-express does, so an ` + "`--include-file`" + ` (or the ` + "`--envvars-script`" + `)
can use them: ` + "`LoadModule headers_module ${MOD_WSGI_MODULES_DIRECTORY}/mod_headers.so`" + `.

| Variable | Holds |
|---|---|
`)
	for _, v := range env {
		fmt.Fprintf(b, "| `%s` | %s |\n", v.Name, v.Means)
	}
	b.WriteString(`
Apache is started with a define (` + "`-D NAME`" + `) for each of these that applies, to
test with ` + "`<IfDefine NAME>`" + `; the names and their meanings are the Python tool's.

| Define | Set when |
|---|---|
`)
	for _, d := range defines {
		fmt.Fprintf(b, "| `%s` | %s |\n", d.Name, d.Means)
	}
}

func commandsDoc(root, start *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Command reference\n\n%s\n", generatedNote)
	b.WriteString("Man pages with the same content are in [man/](man/) (`man ./docs/man/mod_wsgi-express.1`).\n")
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c != root && (!c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand()) {
			return
		}
		cmds = append(cmds, c)
		subs := c.Commands()
		sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
		for _, s := range subs {
			walk(s)
		}
	}
	walk(root)
	b.WriteString("\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", c.CommandPath(), anchor(c.CommandPath()), c.Short)
	}
	startNames := flagNames(start)
	for _, c := range cmds {
		fmt.Fprintf(&b, "\n## %s\n\n%s.\n\n", c.CommandPath(), strings.TrimSuffix(c.Short, "."))
		fmt.Fprintf(&b, "    %s\n", c.UseLine())
		if long := strings.TrimSpace(c.Long); long != "" && long != c.Short {
			fmt.Fprintf(&b, "\n%s\n", indentBlocks(long))
		}
		names := flagNames(c)
		switch {
		case len(names) == 0:
		case strings.Join(names, ",") == strings.Join(startNames, ","):
			fmt.Fprintf(&b, "\nOptions: those of start-server, in [options.md](options.md) (%d options; `%s --help` lists them by heading).\n", len(names), c.CommandPath())
		default:
			b.WriteString("\nOptions:\n\n")
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if f.Hidden || f.Name == "help" {
					return
				}
				fmt.Fprintf(&b, "- `%s`", cmd.FlagSynopsis(f))
				if d := cmd.FlagDefault(f); d != "" {
					fmt.Fprintf(&b, " (default `%s`)", d)
				}
				fmt.Fprintf(&b, ": %s\n", oneLine(f.Usage))
			})
		}
	}
	return b.Bytes()
}

// flagNames are the visible flags of c, sorted, without --help.
func flagNames(c *cobra.Command) []string {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			names = append(names, f.Name)
		}
	})
	return names
}

func anchor(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", "-"))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// indentBlocks keeps the indented examples of a Long text as code blocks.
func indentBlocks(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "  ") {
			l = "  " + l
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
