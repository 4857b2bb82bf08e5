package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addPathsFlags declares the Paths options (express/paths.go).
func addPathsFlags(b *flagBuilder, o *express.Options) {
	b.in("Paths")
	b.str(&o.ServerRoot, "server-root", "DIR", "directory for the generated configuration, scripts and logs (default: $TMPDIR/mod_wsgi-HOST:PORT:UID; /var/tmp on macOS)")
	b.str(&o.PidFile, "pid-file", "FILE", "where Apache writes its process ID (default: in the server root)")
	b.str(&o.SocketPrefix, "socket-prefix", "DIR", "directory for the UNIX sockets between Apache's children and the daemon processes (default: the server root)")
	addDiscoveryFlags(b, o)
	b.str(&o.MimeTypes, "mime-types", "FILE", "mime.types file (default: Apache's or /etc/mime.types)")
	b.str(&o.ShellExecutable, "shell-executable", "FILE", "shell that runs the generated apachectl (default: bash on PATH, else sh)")
	b.boolean(&o.SetupOnly, "setup-only", "write the server root and stop, without starting Apache")
}

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
