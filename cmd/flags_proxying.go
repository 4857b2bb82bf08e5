package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addProxyingFlags declares the Proxying options (express/proxying.go).
func addProxyingFlags(b *flagBuilder, o *express.Options) {
	b.in("Proxying")
	b.pairs(&o.ProxyMountPoints, "proxy-mount-point", "URL-PATH URL", "pass requests under a URL path on to another server, WebSocket upgrades included (repeatable)")
	b.pairs(&o.ProxyMountPoints, "proxy-url-alias", "URL-PATH URL", "old name of --proxy-mount-point")
	b.hide("proxy-url-alias")
	b.pairs(&o.ProxyVirtualHosts, "proxy-virtual-host", "HOSTNAME URL", "pass every request for a host name on to another server, WebSocket upgrades included (repeatable)")
	b.strs(&o.TrustProxyHeaders, "trust-proxy-header", "HEADER-NAME", "believe this header from a front-end proxy, such as X-Forwarded-For for the client's address (repeatable)")
	b.strs(&o.TrustProxies, "trust-proxy", "IP-ADDRESS/SUBNET", "believe the trusted headers only from this proxy address or subnet (repeatable)")
	b.integer(&o.ProxyTimeout, "proxy-timeout", "SECONDS", "how long to wait on a proxied server (default: --socket-timeout); raise it for idle WebSockets")
}
