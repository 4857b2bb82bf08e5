package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addStaticFlags declares the Static files options (express/static.go).
func addStaticFlags(b *flagBuilder, o *express.Options) {
	b.in("Static files")
	b.str(&o.DocumentRoot, "document-root", "DIR", "directory of static files, served before the application")
	b.pairs(&o.URLAliases, "url-alias", "URL-PATH FILE|DIR", "serve a file or directory at a URL path (repeatable)")
	b.str(&o.DirectoryIndex, "directory-index", "FILE-NAME", "file served for a request naming a directory of the document root, instead of passing it to the application")
	b.boolean(&o.DirectoryListing, "directory-listing", "list the files of document root directories that have no index file")
	b.strs(&o.AllowOverride, "allow-override", "DIRECTIVE-TYPE", "let .htaccess files in the document root set directives of this type: All, AuthConfig, FileInfo, Indexes, Limit, Options (repeatable; default: .htaccess files are ignored)")
	b.pairs(&o.ErrorDocuments, "error-document", "STATUS URL-PATH", "serve the page at URL-PATH for errors with this status, such as 404 (repeatable)")
	b.boolean(&o.ErrorOverride, "error-override", "replace the application's error responses with Apache's error pages (and those of --error-document)")
	b.pairs(&o.HandlerScripts, "add-handler", "EXTENSION SCRIPT", "handle document root files with this extension, such as .py, with the WSGI application in SCRIPT (repeatable)")
	b.str(&o.MapHeadToGet, "map-head-to-get", "OFF|ON|AUTO", "whether the application sees HEAD requests as GET: Off, On, or Auto (when an Apache output filter needs the full response)")
	b.choices("map-head-to-get", "Off", "On", "Auto")
}
