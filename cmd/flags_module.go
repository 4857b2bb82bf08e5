package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addModuleFlags declares this concern's start-server options beyond the
// discovery flags (which addDiscoveryFlags declares): none so far.
func addModuleFlags(b *flagBuilder, o *express.Options) {}

// addDiscoveryFlags declares the options that say which Apache, modules
// directory, mod_wsgi module and Python to use. start-server, setup-server,
// module-config, module-location, install-module and doctor all share it.
func addDiscoveryFlags(b *flagBuilder, o *express.Options) {
	b.in("Paths")
	b.str(&o.HTTPDExecutable, "httpd-executable", "FILE", "Apache executable (default: $HTTPD, apxs, or httpd/apache2 on PATH)")
	b.str(&o.ModulesDirectory, "modules-directory", "DIR", "Apache's modules directory (default: from apxs or the distribution's layout)")
	b.str(&o.ModWSGIModule, "mod-wsgi-module", "FILE", "mod_wsgi module to load (default: $MOD_WSGI_MODULE, the virtualenv's, or Apache's)")
	b.str(&o.PythonHome, "python-home", "DIR", "Python installation or virtualenv the application runs in (default: $VIRTUAL_ENV, else the module's Python)")
	b.str(&o.PythonExecutable, "python-executable", "FILE", "run the application in the virtualenv or installation of this interpreter, such as VENV/bin/python (instead of --python-home)")
}
