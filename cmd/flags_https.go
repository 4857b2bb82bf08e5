package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addHTTPSFlags declares the HTTPS, virtual host and proxying options.
func addHTTPSFlags(b *flagBuilder, o *express.Options) {
	b.in("Network")
	b.str(&o.ServerName, "server-name", "HOSTNAME", "host name the site answers to, in its own virtual host; other names get 403, and a www. name also gets its parent domain redirected to it")
	b.strs(&o.ServerAliases, "server-alias", "HOSTNAME", "another host name of the --server-name virtual host, * and ? allowed as wildcards (repeatable)")
	b.boolean(&o.AllowLocalhost, "allow-localhost", "with --server-name, still serve requests for other host names (localhost, 127.0.0.1, ...) to clients on this machine")

	b.in("HTTPS")
	b.integer(&o.HTTPSPort, "https-port", "NUMBER", "also serve the site over HTTPS on this port (needs a certificate)")
	b.integer(&o.HTTPSPort, "ssl-port", "NUMBER", "old name of --https-port")
	b.hide("ssl-port")
	b.str(&o.SSLCertificateFile, "ssl-certificate-file", "FILE", "the server's PEM certificate (with --ssl-certificate-key-file)")
	b.str(&o.SSLCertificateKeyFile, "ssl-certificate-key-file", "FILE", "the unencrypted PEM private key of the certificate")
	b.str(&o.SSLCertificate, "ssl-certificate", "PREFIX", "certificate and key as PREFIX.crt and PREFIX.key, instead of the two file options")
	b.str(&o.SSLCACertificateFile, "ssl-ca-certificate-file", "FILE", "PEM certificates of the CAs that sign client certificates; then every HTTPS request needs one, unless --ssl-verify-client narrows that")
	b.strs(&o.SSLVerifyClient, "ssl-verify-client", "URL-PATH", "require a client certificate only under this URL path (repeatable; needs --ssl-ca-certificate-file)")
	b.str(&o.SSLCertificateChainFile, "ssl-certificate-chain-file", "FILE", "PEM certificates of the intermediate CAs sent along with the server's certificate")
	b.boolean(&o.SSLEnvironment, "ssl-environment", "put mod_ssl's SSL_* variables (protocol, cipher, client certificate) in the WSGI environ")
	b.boolean(&o.HTTPSOnly, "https-only", "redirect plain HTTP requests to the same URL over HTTPS")
	b.str(&o.HSTSPolicy, "hsts-policy", "PARAMS", "send a Strict-Transport-Security header with this value over HTTPS, such as \"max-age=31536000; includeSubDomains\"")
	b.boolean(&o.HTTP2, "http2", "speak HTTP/2 through mod_http2: h2 over HTTPS, h2c over plain HTTP")

	b.in("Proxying")
	b.pairs(&o.ProxyMountPoints, "proxy-mount-point", "URL-PATH URL", "pass requests under a URL path on to another server, WebSocket upgrades included (repeatable)")
	b.pairs(&o.ProxyMountPoints, "proxy-url-alias", "URL-PATH URL", "old name of --proxy-mount-point")
	b.hide("proxy-url-alias")
	b.pairs(&o.ProxyVirtualHosts, "proxy-virtual-host", "HOSTNAME URL", "pass every request for a host name on to another server, WebSocket upgrades included (repeatable)")
	b.strs(&o.TrustProxyHeaders, "trust-proxy-header", "HEADER-NAME", "believe this header from a front-end proxy, such as X-Forwarded-For for the client's address (repeatable)")
	b.strs(&o.TrustProxies, "trust-proxy", "IP-ADDRESS/SUBNET", "believe the trusted headers only from this proxy address or subnet (repeatable)")
	b.integer(&o.ProxyTimeout, "proxy-timeout", "SECONDS", "how long to wait on a proxied server (default: --socket-timeout); raise it for idle WebSockets")
}
