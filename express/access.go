package express

import (
	"regexp"
	"strings"
)

// AccessOptions decide which clients and users may make requests (--help:
// Access).
type AccessOptions struct {
	HostAccessScript string
	AuthUserScript   string
	AuthType         string // Basic or Digest (default Basic)
	AuthGroupScript  string
	AuthGroup        string // default wsgi
}

func defaultAccessOptions() AccessOptions { return AccessOptions{AuthType: "Basic", AuthGroup: "wsgi"} }

// AccessPlan is the host access script and the login every request needs.
type AccessPlan struct {
	HostAccess    string // WSGIAccessScript
	AuthUser      string // WSGIAuthUserScript; "" for no login
	AuthType      string // Basic or Digest
	AuthGroup     string // WSGIAuthGroupScript
	AuthGroupName string // Require wsgi-group
	AuthRealm     string // AuthName
}

// reToken is a name of a group or service: letters, digits and _ . @ + -.
var reToken = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$`)

// access checks the access and authentication scripts and loads the
// modules a login needs.
func (r *resolver) access() error {
	o, ac := &r.o, &r.p.Access
	var err error
	if o.HostAccessScript != "" {
		if ac.HostAccess, err = r.file("host-access-script", o.HostAccessScript, true); err != nil {
			return err
		}
	}
	authType := ""
	switch strings.ToLower(o.AuthType) {
	case "basic", "":
		authType = "Basic"
	case "digest":
		authType = "Digest"
	default:
		return usagef("auth-type", "%s is not one of Basic or Digest", shortQuote(o.AuthType))
	}
	if !reToken.MatchString(o.AuthGroup) {
		return usagef("auth-group", "%s is not a group name (letters, digits and _ . @ + -)", shortQuote(o.AuthGroup))
	}
	if o.AuthGroupScript != "" && o.AuthUserScript == "" {
		return usagef("auth-group-script", "checks the groups of users that --auth-user-script authenticated; give --auth-user-script too")
	}
	if o.AuthUserScript == "" {
		return nil
	}
	ac.AuthType = authType
	if ac.AuthUser, err = r.file("auth-user-script", o.AuthUserScript, true); err != nil {
		return err
	}
	if o.AuthGroupScript != "" {
		if ac.AuthGroup, err = r.file("auth-group-script", o.AuthGroupScript, true); err != nil {
			return err
		}
		ac.AuthGroupName = o.AuthGroup
	}
	ac.AuthRealm = strings.TrimSuffix(strings.TrimPrefix(r.p.Network.URL, "http://"), "/")
	for _, m := range []string{"authn_core", "authz_user", "auth_" + strings.ToLower(authType)} {
		if err := r.need(m, "auth-user-script"); err != nil {
			return err
		}
	}
	return nil
}
