package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// httpsSamples are the samples for the HTTPS, virtual host and proxying
// options. Options that only mean something with HTTPS carry a port and
// certificate with them.
var httpsSamples = func() map[string]optionSample {
	cert := map[string]string{"server.crt": "@cert", "server.key": "@cert"}
	withCA := map[string]string{"server.crt": "@cert", "server.key": "@cert", "ca.crt": "@cert", "ca.key": "@cert"}
	https := func(extra ...string) []string {
		return append([]string{"--https-port", "8443", "--ssl-certificate", "server"}, extra...)
	}
	return map[string]optionSample{
		"https-port":                 {Args: https(), Files: cert},
		"ssl-port":                   {Args: []string{"--ssl-port", "8443", "--ssl-certificate", "server"}, Files: cert},
		"ssl-certificate":            {Args: https(), Files: cert},
		"ssl-certificate-file":       {Args: []string{"--https-port", "8443", "--ssl-certificate-file", "server.crt", "--ssl-certificate-key-file", "server.key"}, Files: cert},
		"ssl-certificate-key-file":   {Args: []string{"--https-port", "8443", "--ssl-certificate-file", "server.crt", "--ssl-certificate-key-file", "server.key"}, Files: cert},
		"ssl-ca-certificate-file":    {Args: https("--ssl-ca-certificate-file", "ca.crt"), Files: withCA},
		"ssl-verify-client":          {Args: https("--ssl-ca-certificate-file", "ca.crt", "--ssl-verify-client", "/admin"), Files: withCA},
		"ssl-certificate-chain-file": {Args: https("--ssl-certificate-chain-file", "ca.crt"), Files: withCA},
		"ssl-environment":            {Args: https("--ssl-environment"), Files: cert},
		"https-only":                 {Args: https("--https-only"), Files: cert},
		"hsts-policy":                {Args: https("--https-only", "--hsts-policy", "max-age=31536000; includeSubDomains"), Files: cert},
		"http2":                      {Args: https("--http2"), Files: cert},
		"server-alias":               {Args: []string{"--server-name", "www.example.test", "--server-alias", "*.example.test"}},
		"allow-localhost":            {Args: []string{"--server-name", "www.example.test", "--allow-localhost"}},
		"proxy-mount-point":          {Args: []string{"--proxy-mount-point", "/api", "http://127.0.0.1:9/"}},
		"proxy-url-alias":            {Args: []string{"--proxy-url-alias", "/api", "http://127.0.0.1:9/"}},
		"proxy-virtual-host":         {Args: []string{"--proxy-virtual-host", "api.example.test", "http://127.0.0.1:9/"}},
		"trust-proxy-header":         {Args: []string{"--trust-proxy-header", "X-Forwarded-For"}},
		"trust-proxy":                {Args: []string{"--trust-proxy-header", "X-Forwarded-For", "--trust-proxy", "10.0.0.0/8"}},
		"proxy-timeout":              {Args: []string{"--proxy-mount-point", "/api", "http://127.0.0.1:9/", "--proxy-timeout", "300"}},
	}
}()

func init() { addSamples(httpsSamples) }

// Until the every-option test covers them, each sample here is rendered
// and checked by Apache.
func TestHTTPSSamplesConfigTest(t *testing.T) {
	testenv.Integration(t)
	for name, sample := range httpsSamples {
		t.Run(name, func(t *testing.T) {
			dir := testenv.Dir(t)
			testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), vhEnvApp)
			for f, content := range sample.Files {
				if content == "@cert" && strings.HasSuffix(f, ".crt") {
					testenv.WriteCert(t, filepath.Join(dir, f), filepath.Join(dir, strings.TrimSuffix(f, ".crt")+".key"), nil)
				}
			}
			root := filepath.Join(dir, "root")
			args := append([]string{"setup-server", "--server-root", root, "app.wsgi"}, sample.Args...)
			if out, code := testenv.Run(t, dir, args...); code != 0 {
				t.Fatalf("%q: exit %d\n%s", sample.Args, code, out)
			}
			testenv.ConfigTest(t, root)
		})
	}
}
