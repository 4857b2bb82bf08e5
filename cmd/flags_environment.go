package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addEnvironmentFlags declares the Environment options (express/environment.go).
func addEnvironmentFlags(b *flagBuilder, o *express.Options) {
	b.in("Environment")
	b.str(&o.Locale, "locale", "NAME", "locale of the processes (default: the current one, else en_US.UTF-8 or C.UTF-8 if installed)")
	b.str(&o.Lang, "lang", "NAME", "same as --locale")
	b.hide("lang")
	b.pairs(&o.SetEnv, "setenv", "NAME VALUE", "add a variable to every request's WSGI environ (repeatable)")
	b.strs(&o.PassEnv, "passenv", "NAME", "pass a variable from the server's environment into the WSGI environ (repeatable)")
	b.str(&o.PythonEggs, "python-eggs", "DIR", "directory Python eggs are unpacked into, PYTHON_EGG_CACHE (default: python-eggs in the server root)")
	b.strs(&o.PythonWarnings, "python-warnings", "FILTER", "Python warnings filter, as for python -W: action:message:category:module:lineno (repeatable)")
}
