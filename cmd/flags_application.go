package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addApplicationFlags declares the Application options (express/application.go).
func addApplicationFlags(b *flagBuilder, o *express.Options) {
	b.in("Application")
	b.str(&o.ApplicationType, "application-type", "TYPE", "what the entry point is: script (a WSGI file), module (package.module[:callable]), paste (a Paste Deploy .ini) or static (a directory of files)")
	b.choices("application-type", "script", "module", "paste", "static")
	b.str(&o.EntryPoint, "entry-point", "FILE|MODULE", "the application's entry point; same as the positional argument, and wins over it")
	b.str(&o.CallableObject, "callable-object", "NAME", "name of the WSGI callable in the entry point")
	b.str(&o.MountPoint, "mount-point", "URL-PATH", "URL path the application is mounted at")
	b.str(&o.WorkingDirectory, "working-directory", "DIR", "current directory of the application, searched first for imports (default: the current directory)")
	b.strs(&o.PythonPaths, "python-path", "DIR", "add a directory to the Python module search path (repeatable)")
	b.str(&o.ApplicationGroup, "application-group", "NAME", "mod_wsgi application group (interpreter); default %{GLOBAL}, the main interpreter")
	b.str(&o.ProcessGroup, "process-group", "NAME", "name of the daemon process group (default HOST:PORT)")
	b.boolean(&o.DisableReloading, "disable-reloading", "never restart the daemon processes when the entry point changes")
	b.boolean(&o.ReloadOnChanges, "reload-on-changes", "restart the daemon processes when any loaded Python file changes")
}
