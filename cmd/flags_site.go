package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addSiteFlags declares the static file, error, access, auth and server
// feature options.
func addSiteFlags(b *flagBuilder, o *express.Options) {
	b.in("Static files")
	b.str(&o.DirectoryIndex, "directory-index", "FILE-NAME", "file served for a request naming a directory of the document root, instead of passing it to the application")
	b.boolean(&o.DirectoryListing, "directory-listing", "list the files of document root directories that have no index file")
	b.strs(&o.AllowOverride, "allow-override", "DIRECTIVE-TYPE", "let .htaccess files in the document root set directives of this type: All, AuthConfig, FileInfo, Indexes, Limit, Options (repeatable; default: .htaccess files are ignored)")
	b.pairs(&o.ErrorDocuments, "error-document", "STATUS URL-PATH", "serve the page at URL-PATH for errors with this status, such as 404 (repeatable)")
	b.boolean(&o.ErrorOverride, "error-override", "replace the application's error responses with Apache's error pages (and those of --error-document)")
	b.pairs(&o.HandlerScripts, "add-handler", "EXTENSION SCRIPT", "handle document root files with this extension, such as .py, with the WSGI application in SCRIPT (repeatable)")
	b.str(&o.MapHeadToGet, "map-head-to-get", "OFF|ON|AUTO", "whether the application sees HEAD requests as GET: Off, On, or Auto (when an Apache output filter needs the full response)")

	b.in("Access")
	b.str(&o.HostAccessScript, "host-access-script", "FILE", "Python script whose allow_access(environ, host) decides which clients may make requests")
	b.str(&o.AuthUserScript, "auth-user-script", "FILE", "require a login, checked by check_password(environ, user, password) in this Python script (get_realm_hash for Digest)")
	b.str(&o.AuthType, "auth-type", "TYPE", "HTTP authentication scheme for --auth-user-script: Basic or Digest")
	b.str(&o.AuthGroupScript, "auth-group-script", "FILE", "also require membership of --auth-group, from groups_for_user(environ, user) in this Python script")
	b.str(&o.AuthGroup, "auth-group", "NAME", "group users must belong to when --auth-group-script is given")

	b.in("Other")
	b.boolean(&o.CompressResponses, "compress-responses", "gzip text responses (HTML, plain text, XML, CSS, JavaScript, JSON) for clients that accept it")
	b.boolean(&o.ServerStatus, "server-status", "serve Apache's status page at /server-status, to this machine only (implies --server-metrics)")
	b.boolean(&o.ServerMetrics, "server-metrics", "let the application read server metrics with mod_wsgi.server_metrics()")
	b.boolean(&o.EnableSendfile, "enable-sendfile", "send files with the kernel's sendfile(); only where the file system supports it")
	b.boolean(&o.ChunkedRequest, "chunked-request", "accept request bodies sent with chunked transfer encoding")
	b.boolean(&o.WithCGI, "with-cgi", "run executable .cgi files in the document root as CGI scripts")
	b.boolean(&o.WithPHP5, "with-php5", "no longer supported")
	b.hide("with-php5")
	b.strs(&o.IncludeFiles, "include-file", "FILE", "include an Apache configuration file at the end of the generated one (repeatable)")
	b.str(&o.RewriteRules, "rewrite-rules", "FILE", "mod_rewrite rules applied in the document root, instead of the server root's rewrite.conf")
	b.str(&o.EnvvarsScript, "envvars-script", "FILE", "shell script read before Apache starts; variables it sets reach Apache and the application's os.environ")
	b.pairs(&o.ServiceScripts, "service-script", "NAME SCRIPT", "run a Python script as a managed background service in a daemon process of its own (repeatable)")
	b.pairs(&o.ServiceUsers, "service-user", "NAME USERNAME", "account service NAME runs as when started by root (default: that of the application)")
	b.pairs(&o.ServiceGroups, "service-group", "NAME GROUP", "group service NAME runs as when started by root (default: that of the application)")
	b.pairs(&o.ServiceLogFiles, "service-log-file", "NAME FILE-NAME", "write the output of service NAME to this file in the log directory instead of the error log")
	b.boolean(&o.EnableDocs, "enable-docs", "serve mod_wsgi's documentation at /__wsgi__/docs when it is installed with the module")
	b.str(&o.ProcessName, "process-name", "NAME", "name of the Apache parent process, as process managers and ps see it")
	b.str(&o.SocketPrefix, "socket-prefix", "DIR", "directory for the UNIX sockets between Apache's children and the daemon processes (default: the server root)")
}
