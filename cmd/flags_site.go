package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addSiteFlags declares this concern's options.
func addSiteFlags(b *flagBuilder, o *express.Options) {}
