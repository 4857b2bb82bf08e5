package cmd

import (
	"github.com/spf13/pflag"

	"github.com/modwsgi-go/mod_wsgi-express/express"
)

// addServerFlags declares every start-server and setup-server option, with
// upstream's names and defaults, bound to o: one function per --help
// heading, each in flags_<heading>.go, in the order of GroupOrder.
func addServerFlags(fs *pflag.FlagSet, o *express.Options) {
	b := &flagBuilder{fs: fs}
	for _, add := range []func(*flagBuilder, *express.Options){
		addApplicationFlags, addNetworkFlags, addHTTPSFlags, addProcessesFlags, addTimeoutsFlags,
		addLoggingFlags, addStaticFlags, addProxyingFlags, addAccessFlags, addEnvironmentFlags,
		addFeaturesFlags, addIncludesFlags, addServicesFlags, addTelemetryFlags, addDebuggingFlags, addPathsFlags,
	} {
		add(b, o)
	}
}
