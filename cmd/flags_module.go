package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addModuleFlags declares this concern's options.
func addModuleFlags(b *flagBuilder, o *express.Options) {}
