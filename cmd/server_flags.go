package cmd

import (
	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// addServerFlags declares every start-server and setup-server option, with
// upstream's names and defaults, bound to o: one function per --help
// heading, each in flags_<heading>.go, in the order of GroupOrder.
func addServerFlags(fs *pflag.FlagSet, o *express.Options) {
	addFlags(&flagBuilder{fs: fs}, o)
}

// addOptionSubset declares the start-server options named, and only those,
// bound to o, with their one declaration (name, value name, help text,
// heading), as kubectl's commands share flag sets: doctor, top and version
// take the options that matter to them this way, through the same config
// layer (flag, then MOD_WSGI_EXPRESS_*, then --config file); the builder it
// returns declares the command's own options after them. It panics on a
// name no start-server option has, a mistake of the program.
func addOptionSubset(fs *pflag.FlagSet, o *express.Options, names ...string) *flagBuilder {
	b := &flagBuilder{fs: fs, only: map[string]bool{}, declared: map[string]bool{}}
	for _, n := range names {
		b.only[n] = true
	}
	addFlags(b, o)
	for _, n := range names {
		if !b.declared[n] {
			panic("no start-server option --" + n)
		}
	}
	// The command's own options, declared after these, are its alone.
	b.only = nil
	return b
}

func addFlags(b *flagBuilder, o *express.Options) {
	for _, add := range []func(*flagBuilder, *express.Options){
		addApplicationFlags, addNetworkFlags, addHTTPSFlags, addProcessesFlags, addTimeoutsFlags,
		addLoggingFlags, addStaticFlags, addProxyingFlags, addAccessFlags, addEnvironmentFlags,
		addFeaturesFlags, addIncludesFlags, addServicesFlags, addTelemetryFlags, addDebuggingFlags, addPathsFlags,
	} {
		add(b, o)
	}
}
