package cmd

import (
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// suggestFlag adds "did you mean --NAME?" to an unknown-flag error when
// the command has options close to the one given: within two edits, or
// one the given name starts (a longer misspelling).
func suggestFlag(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok || name == "" {
		return err
	}
	name, _, _ = strings.Cut(name, "=")
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		d := editDistance(name, fl.Name)
		if d <= 2 || (len(fl.Name) >= 3 && strings.HasPrefix(name, fl.Name)) {
			cands = append(cands, cand{fl.Name, d})
		}
	})
	if len(cands) == 0 {
		return err
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].name < cands[j].name
	})
	var names []string
	for _, c := range cands[:min(3, len(cands))] {
		names = append(names, "--"+c.name)
	}
	return &suggestedError{err: err, msg: err.Error() + "; did you mean " + strings.Join(names, " or ") + "?"}
}

type suggestedError struct {
	err error
	msg string
}

func (e *suggestedError) Error() string { return e.msg }
func (e *suggestedError) Unwrap() error { return e.err }

// noCommand is the root's argument check: an unknown command is refused
// with the commands it may have meant (cobra's suggestions).
func noCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := "unknown command " + `"` + args[0] + `"` + " for " + `"` + c.CommandPath() + `"`
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return &unknownCommand{msg}
}

type unknownCommand struct{ msg string }

func (e *unknownCommand) Error() string { return e.msg }

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
