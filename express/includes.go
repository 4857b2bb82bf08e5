package express

// IncludesOptions add the user's own configuration: Apache directives,
// rewrite rules and environment variables (--help: Includes).
type IncludesOptions struct {
	IncludeFiles  []string `opt:"include-file"`
	RewriteRules  string
	EnvvarsScript string
}

// IncludesPlan is the user's files the server reads.
type IncludesPlan struct {
	Files         []string // Include at the end of httpd.conf
	RewriteRules  string   // --rewrite-rules, "" when not given
	RewriteConf   string   // the rules included in the document root: --rewrite-rules or rewrite.conf
	EnvvarsScript string   // sourced by envvars
}

// includes checks the user's files exist.
func (r *resolver) includes() error {
	o, in := &r.o, &r.p.Includes
	for _, f := range o.IncludeFiles {
		abs, err := r.file("include-file", f, false)
		if err != nil {
			return err
		}
		in.Files = append(in.Files, abs)
	}
	in.RewriteConf = r.p.Paths.RewriteConf
	if o.RewriteRules != "" {
		abs, err := r.file("rewrite-rules", o.RewriteRules, false)
		if err != nil {
			return err
		}
		in.RewriteRules, in.RewriteConf = abs, abs
	}
	if o.EnvvarsScript != "" {
		abs, err := r.file("envvars-script", o.EnvvarsScript, false)
		if err != nil {
			return err
		}
		in.EnvvarsScript = abs
	}
	return nil
}
