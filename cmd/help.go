package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// setGroupedHelp prints the options under headings rather than one list,
// wrapped to the terminal's width (80 columns when not a terminal).
func setGroupedHelp(c *cobra.Command, f *Factory) {
	c.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
		writeGroupedFlags(w, c.Flags(), f.helpWidth())
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

// synopsisWidth is the column the options' descriptions start in.
const synopsisWidth = 36

func writeGroupedFlags(w io.Writer, fs *pflag.FlagSet, width int) {
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
			writeFlagLine(w, FlagSynopsis(f), usage, width)
		}
	}
}

// writeFlagLine writes "  --name METAVAR   description", the description
// wrapped at word boundaries to width and its further lines indented to
// its column. On a terminal too narrow for two columns (under 60), the
// description goes below the name, indented six spaces.
func writeFlagLine(w io.Writer, synopsis, usage string, width int) {
	indent := 2 + synopsisWidth + 1
	first := fmt.Sprintf("  %-*s ", synopsisWidth, synopsis)
	if width < 60 {
		fmt.Fprintf(w, "  %s\n", synopsis)
		indent, first = 6, "      "
	}
	room := max(width-indent, 20)
	lines := wrapWords(usage, room, max(width-len(first), 20))
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(w, "%s%s\n", first, l)
		} else {
			fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", indent), l)
		}
	}
}

// wrapWords breaks s into lines of at most firstRoom characters for the
// first and room for the others, at spaces; a word longer than a line
// stays whole.
func wrapWords(s string, room, firstRoom int) []string {
	var lines []string
	line, limit := "", firstRoom
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= limit:
			line += " " + word
		default:
			lines = append(lines, line)
			line, limit = word, room
		}
	}
	return append(lines, line)
}
