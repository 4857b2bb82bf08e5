package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addTuningFlags declares this concern's options.
func addTuningFlags(b *flagBuilder, o *express.Options) {}
