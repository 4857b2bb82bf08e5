package cmd

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// expandAbbreviations spells out long options given as an unambiguous
// prefix (--proc 2 for --processes 2), as the Python mod_wsgi-express
// accepted, so scripts written for it keep working. An exact name always
// wins (--host, though --host-access-script exists); a prefix of several
// names is an error listing them; an unknown one is left for the parser
// to refuse. Option values are skipped, never expanded, and nothing after
// "--" is touched.
func expandAbbreviations(root *cobra.Command, args []string) ([]string, error) {
	// The command the options belong to: the leading non-option words.
	cmd := root
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		sub := findSub(cmd, a)
		if sub == nil {
			break
		}
		cmd = sub
	}
	flags := map[string]*pflag.Flag{}
	cmd.InitDefaultHelpFlag()
	for _, set := range []*pflag.FlagSet{cmd.Flags(), cmd.InheritedFlags()} {
		set.VisitAll(func(f *pflag.Flag) { flags[f.Name] = f })
	}

	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			out = append(out, a)
			continue
		}
		name, value, hasEq := strings.Cut(a[2:], "=")
		f := flags[name]
		if f == nil {
			var matches []string
			for n := range flags {
				if strings.HasPrefix(n, name) {
					matches = append(matches, n)
				}
			}
			switch len(matches) {
			case 0:
				out = append(out, a) // the parser names the unknown option
				continue
			case 1:
				f = flags[matches[0]]
			default:
				sort.Strings(matches)
				return nil, fmt.Errorf("--%s is ambiguous: it could be --%s; spell the option out", name, strings.Join(matches, ", --"))
			}
		}
		if hasEq {
			out = append(out, "--"+f.Name+"="+value)
		} else {
			out = append(out, "--"+f.Name)
		}
		// Copy the option's values as they are.
		n := 1
		if len(f.Annotations[annNargs]) > 0 {
			n = 2
		}
		if f.NoOptDefVal != "" {
			n = 0
		}
		if hasEq && n > 0 {
			n--
		}
		for ; n > 0 && i+1 < len(args); n-- {
			i++
			out = append(out, args[i])
		}
	}
	return out, nil
}

func findSub(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return sub
		}
	}
	return nil
}
