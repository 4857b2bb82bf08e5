package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addNetworkFlags declares the Network options (express/network.go).
func addNetworkFlags(b *flagBuilder, o *express.Options) {
	b.in("Network")
	b.str(&o.Host, "host", "IP-ADDRESS", "interface to listen on (default: all)")
	b.integer(&o.Port, "port", "NUMBER", "port to listen on")
	b.str(&o.ServerName, "server-name", "HOSTNAME", "host name the site answers to, in its own virtual host; other names get 403, and a www. name also gets its parent domain redirected to it")
	b.strs(&o.ServerAliases, "server-alias", "HOSTNAME", "another host name of the --server-name virtual host, * and ? allowed as wildcards (repeatable)")
	b.boolean(&o.AllowLocalhost, "allow-localhost", "with --server-name, still serve requests for other host names (localhost, 127.0.0.1, ...) to clients on this machine")
	b.int64(&o.LimitRequestBody, "limit-request-body", "BYTES", "largest request body accepted")
	b.integer(&o.KeepAliveTimeout, "keep-alive-timeout", "SECONDS", "how long an idle keep-alive connection stays open; 0 turns keep-alive off")
	b.integer(&o.ServerBacklog, "server-backlog", "NUMBER", "listen backlog of Apache's socket")
	b.integer(&o.DaemonBacklog, "daemon-backlog", "NUMBER", "listen backlog of the daemon processes' sockets (default: Apache's capacity, --max-clients, and at least 100)")
}
