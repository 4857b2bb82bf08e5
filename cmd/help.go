package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// setGroupedHelp prints the options under headings rather than one list.
func setGroupedHelp(c *cobra.Command) {
	c.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
		writeGroupedFlags(w, c.Flags())
		return nil
	})
	c.SetHelpFunc(func(c *cobra.Command, _ []string) {
		w := c.OutOrStdout()
		fmt.Fprintln(w, strings.TrimSpace(c.Long))
		fmt.Fprintln(w)
		c.SetOut(w)
		c.Usage()
	})
}

// FlagGroups returns the visible flags of fs by heading, in GroupOrder.
func FlagGroups(fs *pflag.FlagSet) map[string][]*pflag.Flag {
	groups := map[string][]*pflag.Flag{}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		g := "Other"
		if a := f.Annotations[annGroup]; len(a) > 0 {
			g = a[0]
		}
		groups[g] = append(groups[g], f)
	})
	return groups
}

// FlagSynopsis is "--name METAVAR" for a flag.
func FlagSynopsis(f *pflag.Flag) string {
	s := "--" + f.Name
	if mv := f.Annotations[annMetavar]; len(mv) > 0 {
		s += " " + mv[0]
	}
	return s
}

// FlagDefault is the default shown in help, or "".
func FlagDefault(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "[]", "-1":
		return ""
	}
	return f.DefValue
}

func writeGroupedFlags(w io.Writer, fs *pflag.FlagSet) {
	groups := FlagGroups(fs)
	for _, g := range GroupOrder {
		flags := groups[g]
		if len(flags) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", g)
		for _, f := range flags {
			usage := f.Usage
			if d := FlagDefault(f); d != "" {
				usage += " (default " + d + ")"
			}
			fmt.Fprintf(w, "  %-36s %s\n", FlagSynopsis(f), usage)
		}
	}
}
