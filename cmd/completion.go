package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// annCompletions lists the values an option accepts, for shell completion
// (set with flagBuilder.choices where the option is declared).
const annCompletions = "mod_wsgi_express_completions"

// choices records the values an option accepts, for shell completion.
func (b *flagBuilder) choices(name string, values ...string) {
	b.fs.SetAnnotation(name, annCompletions, values)
}

// completionsOf is the fixed list of values of fl, or nil.
func completionsOf(fl *pflag.Flag) []string { return fl.Annotations[annCompletions] }

// takesPath reports whether an option's value is a file or directory, from
// its metavar (FILE, DIR, FILE|DIR, ...).
func takesPath(fl *pflag.Flag) (file, dirOnly bool) {
	mv := metavar(fl)
	for _, part := range strings.Split(mv, "|") {
		switch {
		case part == "DIR" || strings.HasSuffix(part, "-DIR") || strings.HasPrefix(part, "DIR-"):
			dirOnly = !file
		case part == "FILE" || strings.HasSuffix(part, "-FILE") || strings.HasPrefix(part, "FILE-") || part == "PATH":
			file, dirOnly = true, false
		}
	}
	return file || dirOnly, dirOnly
}

// registerCompletions makes the shell complete the values of c's options:
// a fixed list where there is one, file or directory names where the
// option takes a path, and nothing otherwise.
func registerCompletions(c *cobra.Command) {
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Value.Type() == "bool" || len(fl.Annotations[cobra.BashCompFilenameExt]) > 0 || len(fl.Annotations[cobra.BashCompSubdirsInDir]) > 0 {
			return
		}
		if _, ok := c.GetFlagCompletionFunc(fl.Name); ok {
			return
		}
		if values := completionsOf(fl); len(values) > 0 {
			c.RegisterFlagCompletionFunc(fl.Name, func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
				var out []string
				for _, v := range values {
					if strings.HasPrefix(v, prefix) {
						out = append(out, v)
					}
				}
				return out, cobra.ShellCompDirectiveNoFileComp
			})
			return
		}
		if isPairs(fl) {
			// The first of two values: a name or URL path.
			c.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
			return
		}
		if path, dirOnly := takesPath(fl); path {
			if dirOnly {
				c.RegisterFlagCompletionFunc(fl.Name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
					return nil, cobra.ShellCompDirectiveFilterDirs
				})
			}
			// Otherwise cobra's default: file names.
			return
		}
		c.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
	})
}

// NewCmdCompletion builds the completion command.
func NewCmdCompletion(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script for bash, zsh or fish",
		Long: `Print a script that makes the shell complete mod_wsgi-express's commands,
options, the values of options that take one of a fixed set (--server-mpm,
--application-type, --log-level, ...) and file names where an option takes a
path.

  bash:  source <(mod_wsgi-express completion bash)
         or save it as /etc/bash_completion.d/mod_wsgi-express
         (needs the bash-completion package)
  zsh:   mod_wsgi-express completion zsh > "${fpath[1]}/_mod_wsgi-express"
         (with "autoload -U compinit; compinit" in ~/.zshrc)
  fish:  mod_wsgi-express completion fish > ~/.config/fish/completions/mod_wsgi-express.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			out := f.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return fmt.Errorf("unknown shell %q", args[0])
		},
	}
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &flagError{err: err, cmd: c} })
	return c
}
