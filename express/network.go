package express

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
)

// NetworkOptions are about listening and the host names served (--help:
// Network).
type NetworkOptions struct {
	Host             string
	Port             int // default 8000
	ServerName       string
	ServerAliases    []string `opt:"server-alias"`
	AllowLocalhost   bool     // --allow-localhost
	LimitRequestBody int64    // default 10485760
	KeepAliveTimeout int      // default 2
	ServerBacklog    int      // default 500
	DaemonBacklog    int      // 0: computed (the processes step: ProcessesPlan.DaemonBacklog)
}

func defaultNetworkOptions() NetworkOptions {
	return NetworkOptions{Port: 8000, LimitRequestBody: 10485760, KeepAliveTimeout: 2, ServerBacklog: 500}
}

// NetworkPlan is where Apache listens and how connections are kept.
type NetworkPlan struct {
	Host       string // --host: "" for every interface
	Port       int
	Listen     string // host:port for the Listen directive
	ServerName string // ServerName: --server-name, --host or localhost
	// NameAndPort is the main server's ServerName directive: the name and
	// the port listened on, which a request without a port in its Host
	// (or without a Host) is answered with: its SERVER_PORT and Apache's
	// own redirects, as with the Python mod_wsgi-express.
	NameAndPort string
	NameGiven   bool     // --server-name: the site has a virtual host of its own
	URL         string   // the address given to people
	Aliases     []string // --server-alias
	// AllowLocalhost: with a server name, other names are still served to
	// this machine's clients.
	AllowLocalhost bool
	// ParentDomain is the domain of a www. server name, redirected to it.
	ParentDomain string

	ListenBacklog    int
	KeepAliveTimeout int // 0: keep-alive off
	LimitRequestBody int64
}

var (
	reHostName  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	reAliasName = regexp.MustCompile(`^[A-Za-z0-9*?]([A-Za-z0-9.*?-]*[A-Za-z0-9*?])?$`)
)

// network decides where Apache listens and the names it answers to.
func (r *resolver) network() error {
	o, n := &r.o, &r.p.Network
	if o.Port < 1 || o.Port > 65535 {
		return usagef("port", "%d is not a TCP port; use a number from 1 to 65535", o.Port)
	}
	host := o.Host
	if host != "" && !validHost(host) {
		return usagef("host", "%s is not a host name or IP address", shortQuote(host))
	}
	n.Host, n.Port = host, o.Port
	switch {
	case host == "":
		n.Listen = fmt.Sprint(o.Port)
	case strings.Contains(host, ":"):
		n.Listen = fmt.Sprintf("[%s]:%d", host, o.Port)
	default:
		n.Listen = fmt.Sprintf("%s:%d", host, o.Port)
	}
	if o.ServerName != "" && (!validHost(o.ServerName) || strings.Contains(o.ServerName, ":")) {
		return usagef("server-name", "%s is not a host name; use a DNS name or IPv4 address (an IPv6 address goes to --host)", shortQuote(o.ServerName))
	}
	n.ServerName, n.NameGiven = cmp.Or(o.ServerName, host, "localhost"), o.ServerName != ""
	if strings.Contains(n.ServerName, ":") {
		// Apache cannot take an IPv6 address as ServerName: it reads
		// host[:port] and refuses brackets as a wildcard. The name is only
		// used when a request has no Host header.
		n.ServerName = "localhost"
	}
	n.NameAndPort = fmt.Sprintf("%s:%d", n.ServerName, o.Port)
	n.URL = siteURL("http", cmp.Or(o.ServerName, host, "localhost"), o.Port)
	if err := r.serverNames(); err != nil {
		return err
	}
	for _, c := range []struct {
		name   string
		v, min int
	}{{"keep-alive-timeout", o.KeepAliveTimeout, 0}, {"server-backlog", o.ServerBacklog, 1}, {"daemon-backlog", o.DaemonBacklog, 0}} {
		if err := atLeast(c.name, c.v, c.min); err != nil {
			return err
		}
	}
	if o.LimitRequestBody < 0 {
		return usagef("limit-request-body", "%d is negative; use 0 for no limit or a number of bytes", o.LimitRequestBody)
	}
	n.ListenBacklog = o.ServerBacklog
	n.KeepAliveTimeout = o.KeepAliveTimeout
	n.LimitRequestBody = o.LimitRequestBody
	return nil
}

// serverNames checks the other names of the --server-name virtual host.
// Without --server-name every host name is served, so --server-alias and
// --allow-localhost have nothing to add (as upstream, they are accepted).
func (r *resolver) serverNames() error {
	o, n := &r.o, &r.p.Network
	for _, a := range o.ServerAliases {
		if !reAliasName.MatchString(a) {
			return usagef("server-alias", "%s is not a host name (letters, digits, - and ., with * or ? as wildcards)", shortQuote(a))
		}
	}
	n.Aliases, n.AllowLocalhost = o.ServerAliases, o.AllowLocalhost
	if o.ServerName != "" && strings.HasPrefix(strings.ToLower(o.ServerName), "www.") {
		n.ParentDomain = o.ServerName[4:]
		if !reHostName.MatchString(n.ParentDomain) {
			return usagef("server-name", "%s starts with www. but the rest is not a domain to redirect from", shortQuote(o.ServerName))
		}
	}
	return nil
}
