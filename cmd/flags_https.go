package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addHTTPSFlags declares this concern's options.
func addHTTPSFlags(b *flagBuilder, o *express.Options) {}
