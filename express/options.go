package express

import (
	"reflect"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

// Options holds what the user asked for, one field per command-line option,
// before any default is worked out or anything is checked. Each section is
// one heading of --help and lives in the file of that name, with the
// resolve step and the Plan section of its concern. Zero values mean "not
// given" unless the field's comment says otherwise.
type Options struct {
	ApplicationOptions // application.go
	NetworkOptions     // network.go
	HTTPSOptions       // https.go
	ProcessesOptions   // processes.go
	TimeoutsOptions    // timeouts.go
	LoggingOptions     // logging.go
	StaticOptions      // static.go
	ProxyingOptions    // proxying.go
	AccessOptions      // access.go
	EnvironmentOptions // environment.go
	FeaturesOptions    // features.go
	IncludesOptions    // includes.go
	ServicesOptions    // services.go
	TelemetryOptions   // telemetry.go
	DebuggingOptions   // debugging.go
	PathsOptions       // paths.go
	// Version is stamped into generated files; set by the command layer.
	Version string `opt:"-"`
}

// Pair is the value of a two-argument option such as --setenv NAME VALUE.
type Pair struct{ Key, Value string }

// DefaultOptions returns Options holding upstream's defaults, the same values
// the command-line flags start from.
func DefaultOptions() Options {
	return Options{
		ApplicationOptions: defaultApplicationOptions(),
		NetworkOptions:     defaultNetworkOptions(),
		ProcessesOptions:   defaultProcessesOptions(),
		TimeoutsOptions:    defaultTimeoutsOptions(),
		LoggingOptions:     defaultLoggingOptions(),
		StaticOptions:      defaultStaticOptions(),
		AccessOptions:      defaultAccessOptions(),
		TelemetryOptions:   defaultTelemetryOptions(),
		DebuggingOptions:   defaultDebuggingOptions(),
	}
}

// CheckText rejects, naming the option, a control character or invalid
// UTF-8 in any string the options carry, so none can reach a generated
// file whichever option it came in.
func CheckText(o *Options) error {
	return eachOptionString(o, checkText)
}

// eachOptionString calls f with the option name and value of every string
// the options carry (list items and both halves of pairs included),
// stopping at the first error.
func eachOptionString(o *Options, f func(name, value string) error) error {
	var walk func(v reflect.Value, t reflect.Type) error
	walk = func(v reflect.Value, t reflect.Type) error {
		for i := 0; i < t.NumField(); i++ {
			sf, fv := t.Field(i), v.Field(i)
			name := OptionName(sf)
			switch {
			case sf.Anonymous:
				if err := walk(fv, sf.Type); err != nil {
					return err
				}
			case name == "-":
			case fv.Kind() == reflect.String:
				if err := f(name, fv.String()); err != nil {
					return err
				}
			case fv.Kind() == reflect.Slice:
				if err := eachString(fv, func(s string) error { return f(name, s) }); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(reflect.ValueOf(o).Elem(), reflect.TypeOf(*o))
}

// eachString calls f with each string of a []string or []Pair.
func eachString(list reflect.Value, f func(string) error) error {
	for j := 0; j < list.Len(); j++ {
		e := list.Index(j)
		switch e.Kind() {
		case reflect.String:
			if err := f(e.String()); err != nil {
				return err
			}
		case reflect.Struct: // Pair
			for k := 0; k < e.NumField(); k++ {
				if err := f(e.Field(k).String()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkKeys refuses a two-argument option whose first argument does not
// match re (bad says what it must be) or is given twice (noun names it).
func checkKeys(option string, pairs []Pair, re *regexp.Regexp, bad, noun string) error {
	seen := map[string]bool{}
	for _, kv := range pairs {
		if !re.MatchString(kv.Key) {
			return usagef(option, "%s is not %s", shortQuote(kv.Key), bad)
		}
		if seen[kv.Key] {
			return usagef(option, "%s %s given twice; give each %s once", noun, kv.Key, noun)
		}
		seen[kv.Key] = true
	}
	return nil
}

// OptionName is the command-line name of an Options field: its `opt` tag,
// or its name in kebab case (HTTPDExecutable: httpd-executable).
func OptionName(f reflect.StructField) string {
	if tag := f.Tag.Get("opt"); tag != "" {
		return tag
	}
	var b strings.Builder
	r := []rune(f.Name)
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// checkText rejects what no quoting can make safe in a configuration line:
// control characters (newline, carriage return, NUL, escape, ...) and
// invalid UTF-8.
func checkText(option, value string) error {
	if !utf8.ValidString(value) {
		return fault.Usagef(option, "value is not valid UTF-8")
	}
	for _, r := range value {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fault.Usagef(option, "value %s contains a control character (%U); remove it", fault.Quote(value), r)
		}
	}
	return nil
}
