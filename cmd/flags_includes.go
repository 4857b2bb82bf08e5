package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addIncludesFlags declares the Includes options (express/includes.go).
func addIncludesFlags(b *flagBuilder, o *express.Options) {
	b.in("Includes")
	b.strs(&o.IncludeFiles, "include-file", "FILE", "include an Apache configuration file at the end of the generated one (repeatable)")
	b.str(&o.RewriteRules, "rewrite-rules", "FILE", "mod_rewrite rules applied in the document root, instead of the server root's rewrite.conf")
	b.str(&o.EnvvarsScript, "envvars-script", "FILE", "shell script read before Apache starts; variables it sets reach Apache and the application's os.environ")
}
