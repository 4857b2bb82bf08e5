package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addDebugFlags declares this concern's options.
func addDebugFlags(b *flagBuilder, o *express.Options) {}
