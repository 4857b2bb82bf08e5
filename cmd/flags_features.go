package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addFeaturesFlags declares the Server features options (express/features.go).
func addFeaturesFlags(b *flagBuilder, o *express.Options) {
	b.in("Server features")
	b.boolean(&o.CompressResponses, "compress-responses", "gzip text responses (HTML, plain text, XML, CSS, JavaScript, JSON) for clients that accept it")
	b.boolean(&o.ServerStatus, "server-status", "serve Apache's status page at /server-status, to this machine only (implies --server-metrics)")
	b.boolean(&o.ServerMetrics, "server-metrics", "let the application read server metrics with mod_wsgi.server_metrics()")
	b.boolean(&o.EnableSendfile, "enable-sendfile", "send files with the kernel's sendfile(); only where the file system supports it")
	b.boolean(&o.ChunkedRequest, "chunked-request", "accept request bodies sent with chunked transfer encoding")
	b.boolean(&o.WithCGI, "with-cgi", "run executable .cgi files in the document root as CGI scripts")
	b.boolean(&o.WithPHP5, "with-php5", "no longer supported")
	b.hide("with-php5")
	b.boolean(&o.EnableDocs, "enable-docs", "serve mod_wsgi's documentation at /__wsgi__/docs when it is installed with the module")
}
