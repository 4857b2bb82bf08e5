package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addHTTPSFlags declares the HTTPS options (express/https.go).
func addHTTPSFlags(b *flagBuilder, o *express.Options) {
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
}
