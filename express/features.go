package express

import (
	"path/filepath"

	"github.com/modwsgi-go/mod_wsgi-express/discover"
)

// FeaturesOptions turn on Apache and mod_wsgi features (--help: Server
// features).
type FeaturesOptions struct {
	CompressResponses bool
	ServerStatus      bool
	ServerMetrics     bool
	EnableSendfile    bool
	ChunkedRequest    bool
	WithCGI           bool `opt:"with-cgi"`
	WithPHP5          bool `opt:"with-php5"` // obsolete: refused
	EnableDocs        bool
}

// FeaturesPlan is the server features turned on.
type FeaturesPlan struct {
	Compress bool
	Status   bool
	Metrics  bool // WSGIServerMetrics and ExtendedStatus
	Sendfile bool
	Chunked  bool
	CGI      bool
	Docs     string // directory served at /__wsgi__/docs
}

// features checks the server features and loads their modules.
func (r *resolver) features() error {
	o, f := &r.o, &r.p.Features
	if o.WithPHP5 {
		return usagef("with-php5", "PHP 5 support is no longer part of mod_wsgi-express; drop the option and serve PHP another way (for example PHP-FPM behind --proxy-mount-point)")
	}
	if o.CompressResponses {
		for _, m := range []string{"filter", "deflate"} {
			if err := r.need(m, "compress-responses"); err != nil {
				return err
			}
		}
		f.Compress = true
	}
	if o.ServerStatus {
		if err := r.need("status", "server-status"); err != nil {
			return err
		}
		f.Status, f.Metrics = true, true
	}
	if o.ServerMetrics {
		if err := r.need("status", "server-metrics"); err != nil {
			return err
		}
		f.Metrics = true
	}
	f.Sendfile, f.Chunked = o.EnableSendfile, o.ChunkedRequest
	if o.WithCGI {
		name := "cgid"
		if _, ok := r.apache.File("cgid"); !ok {
			name = "cgi"
		}
		if err := r.need(name, "with-cgi"); err != nil {
			return err
		}
		f.CGI = true
	}
	if o.EnableDocs {
		return r.docs()
	}
	return nil
}

// docs finds mod_wsgi's HTML documentation: a mod_wsgi installed with pip
// keeps it in mod_wsgi/docs beside the mod_wsgi/server directory of the
// module.
func (r *resolver) docs() error {
	mi := r.p.Paths.Module
	docs := filepath.Join(filepath.Dir(filepath.Dir(mi.Path)), "docs")
	if !discover.IsFile(r.h, filepath.Join(docs, "index.html")) {
		return usagef("enable-docs", "no mod_wsgi documentation is installed with the module %s (looked for %s); read it at https://modwsgi.readthedocs.io/ or drop the option",
			mi.Path, filepath.Join(docs, "index.html"))
	}
	pp := r.p.Processes
	if err := r.readable("enable-docs", docs, pp.account(), pp.User); err != nil {
		return err
	}
	r.p.Features.Docs = docs
	return nil
}
