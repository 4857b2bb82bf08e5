package express

import (
	"errors"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/fault"
)

func TestResolveNetworkHosts(t *testing.T) {
	cases := []struct {
		host, serverName string
		listen, url      string // empty when the host must be refused
		name             string // ServerName, when given
		badOption        string
	}{
		{host: "", listen: "8000", url: "http://localhost:8000/"},
		{host: "127.0.0.1", listen: "127.0.0.1:8000", url: "http://127.0.0.1:8000/"},
		{host: "example.test", listen: "example.test:8000", url: "http://example.test:8000/"},
		{host: "::1", listen: "[::1]:8000", url: "http://[::1]:8000/", name: "localhost"},
		{host: "fd00::10", listen: "[fd00::10]:8000", url: "http://[fd00::10]:8000/"},
		{host: "::", listen: "[::]:8000", url: "http://[::]:8000/", name: "localhost"},
		// The URL names the server name: other names get the 403 of the
		// default virtual host.
		{host: "::1", serverName: "example.test", listen: "[::1]:8000", url: "http://example.test:8000/", name: "example.test"},
		{serverName: "www.example.test", listen: "8000", url: "http://www.example.test:8000/", name: "www.example.test"},
		{host: "127.0.0.1", serverName: "localhost", listen: "127.0.0.1:8000", url: "http://localhost:8000/", name: "localhost"},
		// Colons, dots and hex digits that are not an IPv6 address
		// (found by FuzzRender: ":" became "Listen [:]:8000").
		{host: ":", badOption: "host"},
		{host: ":::", badOption: "host"},
		{host: "1:2", badOption: "host"},
		{host: "a b", badOption: "host"},
		{host: "x\nListen 1", badOption: "host"},
		{host: "[::1]", badOption: "host"},
		{serverName: "::g", badOption: "server-name"},
		{serverName: "::1", badOption: "server-name"},
	}
	for _, c := range cases {
		o := DefaultOptions()
		o.Host, o.ServerName = c.host, c.serverName
		p, err := ResolveSteps(o, fakeHost(t, debianLayout(), 0), "network")
		if c.badOption != "" {
			var u *fault.UsageError
			if !errors.As(err, &u) || u.Option != c.badOption {
				t.Errorf("host %q server-name %q: got %v, want a usage error naming --%s", c.host, c.serverName, err, c.badOption)
			}
			continue
		}
		if err != nil {
			t.Errorf("host %q: %v", c.host, err)
			continue
		}
		if p.Network.Listen != c.listen || p.Network.URL != c.url {
			t.Errorf("host %q: Listen %q URL %q, want %q %q", c.host, p.Network.Listen, p.Network.URL, c.listen, c.url)
		}
		if c.name != "" && p.Network.ServerName != c.name {
			t.Errorf("host %q server-name %q: ServerName %q, want %q", c.host, c.serverName, p.Network.ServerName, c.name)
		}
	}
}

// The scheme's default port is left out of the URL, as upstream does.
func TestSiteURL(t *testing.T) {
	for _, c := range []struct {
		scheme, host string
		port         int
		want         string
	}{
		{"http", "localhost", 80, "http://localhost/"},
		{"http", "localhost", 8000, "http://localhost:8000/"},
		{"https", "www.example.test", 443, "https://www.example.test/"},
		{"https", "localhost", 8443, "https://localhost:8443/"},
		{"http", "::1", 80, "http://[::1]/"},
		{"https", "::1", 80, "https://[::1]:80/"},
	} {
		if got := siteURL(c.scheme, c.host, c.port); got != c.want {
			t.Errorf("siteURL(%q, %q, %d) = %q, want %q", c.scheme, c.host, c.port, got, c.want)
		}
	}
}
