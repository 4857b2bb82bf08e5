package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addServicesFlags declares the Services options (express/services.go).
func addServicesFlags(b *flagBuilder, o *express.Options) {
	b.in("Services")
	b.pairs(&o.ServiceScripts, "service-script", "NAME SCRIPT", "run a Python script as a managed background service in a daemon process of its own (repeatable)")
	b.pairs(&o.ServiceUsers, "service-user", "NAME USERNAME", "account service NAME runs as when started by root (default: that of the application)")
	b.pairs(&o.ServiceGroups, "service-group", "NAME GROUP", "group service NAME runs as when started by root (default: that of the application)")
	b.pairs(&o.ServiceLogFiles, "service-log-file", "NAME FILE-NAME", "write the output of service NAME to this file in the log directory instead of the error log")
}
