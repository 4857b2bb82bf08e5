package cmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// Flag annotations.
const (
	annGroup   = "mod_wsgi_express_group"
	annMetavar = "mod_wsgi_express_metavar"
	annNargs   = "mod_wsgi_express_nargs"
)

// GroupOrder is the order of the headings in --help and the docs.
// Each heading but Other is one concern: cmd/flags_<concern>.go declares
// its options, express/<concern>.go resolves them, templates/<concern>.tmpl
// renders them.
var GroupOrder = []string{"Application", "Network", "HTTPS", "Processes", "Timeouts", "Logging",
	"Static files", "Proxying", "Access", "Environment", "Server features", "Includes", "Services",
	"Telemetry", "Debugging", "Paths", "Other"}

// flagBuilder declares option flags bound to Options fields, each under a
// help heading, with the value's name (metavar) kept for the help text.
// Every option is declared once, in flags_<heading>.go; a command that
// takes only some of them (doctor, top, version) declares the same ones
// through a builder limited to their names (optionSubset).
type flagBuilder struct {
	fs    *pflag.FlagSet
	group string
	// only, when not nil, limits the builder to these option names; the
	// others are skipped, and declared records which were met.
	only     map[string]bool
	declared map[string]bool
}

func (b *flagBuilder) in(group string) *flagBuilder { b.group = group; return b }

// skip reports whether the builder leaves option name out.
func (b *flagBuilder) skip(name string) bool {
	if b.only == nil {
		return false
	}
	if !b.only[name] {
		return true
	}
	b.declared[name] = true
	return false
}

func (b *flagBuilder) annotate(name, metavar string) {
	b.fs.SetAnnotation(name, annGroup, []string{b.group})
	if metavar != "" {
		b.fs.SetAnnotation(name, annMetavar, []string{metavar})
	}
}

func (b *flagBuilder) str(p *string, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.StringVar(p, name, *p, usage)
	b.annotate(name, metavar)
}

func (b *flagBuilder) integer(p *int, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.IntVar(p, name, *p, usage)
	b.annotate(name, metavar)
}

func (b *flagBuilder) int64(p *int64, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.Int64Var(p, name, *p, usage)
	b.annotate(name, metavar)
}

// fraction is a float option whose "not given" value is -1.
func (b *flagBuilder) fraction(p *float64, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.Var(&fractionValue{p}, name, usage)
	b.annotate(name, metavar)
}

// countOrAuto is a whole number or the word auto, kept as given (""
// when not given) for express to check.
func (b *flagBuilder) countOrAuto(p *string, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.Var(&countOrAutoValue{p}, name, usage)
	b.annotate(name, metavar)
}

func (b *flagBuilder) float(p *float64, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.Float64Var(p, name, *p, usage)
	b.annotate(name, metavar)
}

func (b *flagBuilder) boolean(p *bool, name, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.BoolVar(p, name, *p, usage)
	b.annotate(name, "")
}

// strs is a repeatable option: each use adds one value.
func (b *flagBuilder) strs(p *[]string, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.StringArrayVar(p, name, *p, usage)
	b.annotate(name, metavar)
}

// pairs is a repeatable option taking two arguments, as in
// --setenv NAME VALUE.
func (b *flagBuilder) pairs(p *[]express.Pair, name, metavar, usage string) {
	if b.skip(name) {
		return
	}
	b.fs.Var(&pairsValue{p}, name, usage)
	b.annotate(name, metavar)
	b.fs.SetAnnotation(name, annNargs, []string{"2"})
}

func (b *flagBuilder) hide(names ...string) {
	for _, n := range names {
		if b.fs.Lookup(n) != nil {
			b.fs.MarkHidden(n)
		}
	}
}

type fractionValue struct{ p *float64 }

func (v *fractionValue) String() string {
	if v.p == nil || *v.p < 0 {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}
func (v *fractionValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	*v.p = f
	return nil
}
func (v *fractionValue) Type() string { return "fraction" }

type countOrAutoValue struct{ p *string }

func (v *countOrAutoValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v *countOrAutoValue) Set(s string) error { *v.p = s; return nil }
func (v *countOrAutoValue) Type() string       { return "count-or-auto" }

// pairSep joins the two arguments of a two-argument option; a NUL cannot
// occur in a command-line argument, so the join is unambiguous.
const pairSep = "\x00"

type pairsValue struct{ p *[]express.Pair }

func (v *pairsValue) String() string {
	if v.p == nil {
		return ""
	}
	var parts []string
	for _, kv := range *v.p {
		parts = append(parts, kv.Key+" "+kv.Value)
	}
	return strings.Join(parts, ", ")
}
func (v *pairsValue) Set(s string) error {
	k, val, ok := strings.Cut(s, pairSep)
	if !ok {
		return fmt.Errorf("takes two arguments")
	}
	*v.p = append(*v.p, express.Pair{Key: k, Value: val})
	return nil
}
func (v *pairsValue) Type() string { return "pair" }

// joinPairArgs rewrites "--name A B" (and "--name=A B") for two-argument
// options into the single argument pflag expects. It stops at "--".
// twoArg maps each two-argument option to its value names, for errors.
func joinPairArgs(args []string, twoArg map[string]string) ([]string, error) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		if !strings.HasPrefix(a, "--") {
			out = append(out, a)
			continue
		}
		name, first, hasEq := strings.Cut(a[2:], "=")
		metavar, ok := twoArg[name]
		if !ok {
			out = append(out, a)
			continue
		}
		need := 2
		if hasEq {
			need = 1
		}
		if i+need >= len(args) {
			return nil, fmt.Errorf("--%s takes two arguments (%s)", name, metavar)
		}
		if hasEq {
			out = append(out, "--"+name+"="+first+pairSep+args[i+1])
			i++
		} else {
			out = append(out, "--"+name+"="+args[i+1]+pairSep+args[i+2])
			i += 2
		}
	}
	return out, nil
}
