package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix starts the environment variable of every option:
// MOD_WSGI_EXPRESS_SERVER_MPM for --server-mpm.
const EnvPrefix = "MOD_WSGI_EXPRESS_"

// Flags every command with options gets, to read them from elsewhere.
const (
	configFlag      = "config"
	printConfigFlag = "print-config"
)

// EnvName is the environment variable that can give the option name.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// isOption reports whether fl is an option declared with the flag builder:
// those are the ones a config file and the environment can set.
func isOption(fl *pflag.Flag) bool {
	return len(fl.Annotations[annGroup]) > 0 && fl.Name != configFlag && fl.Name != printConfigFlag
}

func isRepeatable(fl *pflag.Flag) bool {
	_, ok := fl.Value.(pflag.SliceValue)
	return ok || isPairs(fl)
}

func isPairs(fl *pflag.Flag) bool { return len(fl.Annotations[annNargs]) > 0 }

// enableConfig gives every command of the tree that has options (flags
// declared with the builder) --config and --print-config, fills the options
// not given on the command line from the environment and then the config
// file before the command runs, and registers completion of their values.
// NewRootCmd calls it after adding every command.
//
// environ, when not nil, lists the environment: a MOD_WSGI_EXPRESS_
// variable that names no option of any command is warned about (a config
// file key like it is an error; the environment may hold variables for
// other programs, so there it is only a warning).
func enableConfig(root *cobra.Command, getenv func(string) string, environ func() []string) {
	// A config file may be shared by several commands (start-server and
	// doctor, say): a key is unknown only when no command has that option.
	known := map[string]bool{}
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if isOption(fl) {
				known[fl.Name] = true
			}
		})
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		hasOptions := false
		c.Flags().VisitAll(func(fl *pflag.Flag) { hasOptions = hasOptions || isOption(fl) })
		if !hasOptions || c.Flags().Lookup(configFlag) != nil {
			return
		}
		var cfg configFlags
		b := &flagBuilder{fs: c.Flags()}
		b.in("Other")
		b.str(&cfg.file, configFlag, "FILE", "read options from a YAML, TOML or JSON file whose keys are the option names (default: $"+EnvName(configFlag)+")")
		b.boolean(&cfg.print, printConfigFlag, "print every option's value and where it came from (flag, env, file or default), then exit without writing anything")
		c.Flags().SetAnnotation(configFlag, cobra.BashCompFilenameExt, []string{"yaml", "yml", "toml", "json"})
		registerCompletions(c)
		prev := c.PreRunE
		c.PreRunE = func(c *cobra.Command, args []string) error {
			src, err := applyConfig(c, args, cfg.file, getenv, known)
			if err != nil {
				return err
			}
			if environ != nil {
				warnUnknownEnv(c.ErrOrStderr(), environ(), known)
			}
			if cfg.print {
				printConfig(c.OutOrStdout(), c, src)
				return &exitCode{0}
			}
			if prev != nil {
				return prev(c, args)
			}
			return nil
		}
	}
	walk(root)
}

type configFlags struct {
	file  string
	print bool
}

// ConfigError is a bad config file or environment value; exit status 2.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// applyConfig sets every option of c not given on the command line from
// its environment variable, else from the config file, and returns where
// each option's value came from.
func applyConfig(c *cobra.Command, args []string, file string, getenv func(string) string, known map[string]bool) (map[string]string, error) {
	fs := c.Flags()
	src := map[string]string{}
	var unset []*pflag.Flag
	fs.VisitAll(func(fl *pflag.Flag) {
		if !isOption(fl) {
			return
		}
		switch {
		case fl.Changed:
			src[fl.Name] = "flag"
		case fl.Name == "entry-point" && len(args) == 1:
			// The positional ENTRY-POINT is on the command line too.
			fl.Value.Set(args[0])
			src[fl.Name] = "argument"
		default:
			src[fl.Name] = "default"
			unset = append(unset, fl)
		}
	})
	if file == "" && !fs.Changed(configFlag) {
		file = getenv(EnvName(configFlag))
	}
	settings, err := readConfigFile(file, known)
	if err != nil {
		return nil, err
	}
	for _, fl := range unset {
		env := EnvName(fl.Name)
		if v, ok := lookupEnv(getenv, env); ok {
			items, err := envItems(fl, v)
			if err != nil {
				return nil, &ConfigError{fmt.Sprintf("%s: %v", env, err)}
			}
			if err := setItems(fl, items); err != nil {
				return nil, &ConfigError{fmt.Sprintf("%s=%q: %v", env, v, err)}
			}
			src[fl.Name] = "env " + env
			continue
		}
		if v, ok := settings[fl.Name]; ok && v != nil {
			items, err := fileItems(fl, v)
			if err == nil {
				err = setItems(fl, items)
			}
			if err != nil {
				return nil, &ConfigError{fmt.Sprintf("config file %s: %s: %v", file, fl.Name, err)}
			}
			src[fl.Name] = "file " + file
		}
	}
	return src, nil
}

func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// readConfigFile reads file (if any) and checks that every key names an
// option of some command.
func readConfigFile(file string, known map[string]bool) (map[string]any, error) {
	if file == "" {
		return nil, nil
	}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".yaml", ".yml", ".toml", ".json":
	default:
		return nil, &ConfigError{fmt.Sprintf("config file %s: unknown format; name it .yaml, .yml, .toml or .json", file)}
	}
	// Keys are option names, never nested paths: no key delimiter.
	v := viper.NewWithOptions(viper.KeyDelimiter("\x00"))
	v.SetConfigFile(file)
	if err := v.ReadInConfig(); err != nil {
		return nil, &ConfigError{fmt.Sprintf("config file %s: %v", file, err)}
	}
	settings := v.AllSettings()
	var unknown []string
	for k := range settings {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &ConfigError{fmt.Sprintf("config file %s: unknown option %s; keys are the long option names without the leading dashes, as in --help",
			file, strings.Join(quoteAll(unknown), ", "))}
	}
	return settings, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strconv.Quote(x)
	}
	return out
}

// envItems splits an environment value into the values of one option. A
// repeatable option takes a comma-separated list, or a newline-separated
// one when an item needs a comma; a two-argument option takes NAME=VALUE
// items.
func envItems(fl *pflag.Flag, v string) ([]string, error) {
	if !isRepeatable(fl) {
		return []string{v}, nil
	}
	sep := ","
	if strings.Contains(v, "\n") {
		sep = "\n"
	}
	var items []string
	for _, it := range strings.Split(v, sep) {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		if isPairs(fl) {
			k, val, ok := strings.Cut(it, "=")
			if !ok {
				return nil, fmt.Errorf("%q is not NAME=VALUE (--%s takes %s)", it, fl.Name, metavar(fl))
			}
			it = k + pairSep + val
		}
		items = append(items, it)
	}
	return items, nil
}

// fileItems turns a config file value into the values of one option: a
// scalar for a single-value option; a list (or one scalar) for a
// repeatable one; a list of two-item lists for a two-argument one.
func fileItems(fl *pflag.Flag, v any) ([]string, error) {
	if !isRepeatable(fl) {
		s, ok := scalar(v)
		if !ok {
			return nil, fmt.Errorf("expected a single value, got %s", describe(v))
		}
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		if isPairs(fl) {
			return nil, fmt.Errorf("expected a list of [%s] pairs, got %s", strings.ReplaceAll(metavar(fl), " ", ", "), describe(v))
		}
		s, ok := scalar(v)
		if !ok {
			return nil, fmt.Errorf("expected a list of values, got %s", describe(v))
		}
		return []string{s}, nil
	}
	var items []string
	for _, it := range list {
		if isPairs(fl) {
			pair, ok := it.([]any)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("each item must be a two-item list [%s], got %s", strings.ReplaceAll(metavar(fl), " ", ", "), describe(it))
			}
			a, ok1 := scalar(pair[0])
			b, ok2 := scalar(pair[1])
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("each item must be a two-item list of values, got %s", describe(it))
			}
			items = append(items, a+pairSep+b)
			continue
		}
		s, ok := scalar(it)
		if !ok {
			return nil, fmt.Errorf("each item must be a single value, got %s", describe(it))
		}
		items = append(items, s)
	}
	return items, nil
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

func describe(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func setItems(fl *pflag.Flag, items []string) error {
	if len(items) == 0 && isRepeatable(fl) {
		// An empty list clears the default.
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			fl.Changed = true
			return sv.Replace(nil)
		}
		return nil
	}
	for _, it := range items {
		if err := fl.Value.Set(it); err != nil {
			return valueError(err, fl)
		}
	}
	// Given, though not on the command line: code that asks whether the
	// user chose a value gets the same answer as for the flag.
	fl.Changed = true
	return nil
}

// valueError says what a bad value should have been.
func valueError(err error, fl *pflag.Flag) error {
	switch fl.Value.Type() {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return fmt.Errorf("--%s takes a whole number", fl.Name)
	case "float32", "float64":
		return fmt.Errorf("--%s takes a number", fl.Name)
	case "bool":
		return fmt.Errorf("--%s takes true or false", fl.Name)
	}
	return fmt.Errorf("--%s: %v", fl.Name, err)
}

func metavar(fl *pflag.Flag) string {
	if mv := fl.Annotations[annMetavar]; len(mv) > 0 {
		return mv[0]
	}
	return "VALUE"
}

// printConfig writes every option's resolved value in the config file's
// YAML form, each with a comment saying where it came from, so the output
// can be saved as a config file.
func printConfig(w io.Writer, c *cobra.Command, src map[string]string) {
	fmt.Fprintf(w, "# Options of %s, with where each value came from:\n# flag, argument, env VARIABLE, file PATH or default.\n", c.CommandPath())
	type line struct{ kv, src string }
	groups := map[string][]line{}
	width := 0
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if !isOption(fl) || (fl.Hidden && src[fl.Name] == "default") {
			return
		}
		kv := fl.Name + ": " + yamlValue(fl)
		width = max(width, len(kv))
		g := fl.Annotations[annGroup][0]
		groups[g] = append(groups[g], line{kv, src[fl.Name]})
	})
	for _, g := range GroupOrder {
		if len(groups[g]) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n# %s\n", g)
		for _, l := range groups[g] {
			fmt.Fprintf(w, "%-*s  # %s\n", width, l.kv, l.src)
		}
	}
}

// yamlValue renders a flag's current value as YAML (flow style; JSON
// strings are YAML strings).
func yamlValue(fl *pflag.Flag) string {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if pv, ok := fl.Value.(*pairsValue); ok {
		pairs := [][]string{}
		if pv.p != nil {
			for _, kv := range *pv.p {
				pairs = append(pairs, []string{kv.Key, kv.Value})
			}
		}
		return js(pairs)
	}
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		items := sv.GetSlice()
		if items == nil {
			items = []string{}
		}
		return js(items)
	}
	s := fl.Value.String()
	if fl.Value.Type() == "count-or-auto" {
		if s == "" {
			return "null"
		}
		if _, err := strconv.Atoi(s); err == nil {
			return s
		}
		return js(s)
	}
	switch fl.Value.Type() {
	case "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "fraction":
		if s == "" {
			return "null"
		}
		return s
	}
	return js(s)
}

// Variables with the option prefix that are not options.
var nonOptionEnv = map[string]bool{
	EnvName(configFlag):      true,
	EnvName(printConfigFlag): true,
	EnvPrefix + "BINARY":     true, // runmodwsgi: where this binary is
}

// warnUnknownEnv warns about MOD_WSGI_EXPRESS_ variables that name no
// option of any command, such as a misspelt one.
func warnUnknownEnv(w io.Writer, environ []string, known map[string]bool) {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || value == "" || nonOptionEnv[name] {
			continue
		}
		opt := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, EnvPrefix), "_", "-"))
		if !known[opt] || EnvName(opt) != name {
			fmt.Fprintf(w, "Warning: %s is set but no command has an option --%s; it is ignored\n", name, opt)
		}
	}
}
