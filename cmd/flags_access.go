package cmd

import "github.com/modwsgi-go/mod_wsgi-express/express"

// addAccessFlags declares the Access options (express/access.go).
func addAccessFlags(b *flagBuilder, o *express.Options) {
	b.in("Access")
	b.str(&o.HostAccessScript, "host-access-script", "FILE", "Python script whose allow_access(environ, host) decides which clients may make requests")
	b.str(&o.AuthUserScript, "auth-user-script", "FILE", "require a login, checked by check_password(environ, user, password) in this Python script (get_realm_hash for Digest)")
	b.str(&o.AuthType, "auth-type", "TYPE", "HTTP authentication scheme for --auth-user-script: Basic or Digest")
	b.choices("auth-type", "Basic", "Digest")
	b.str(&o.AuthGroupScript, "auth-group-script", "FILE", "also require membership of --auth-group, from groups_for_user(environ, user) in this Python script")
	b.str(&o.AuthGroup, "auth-group", "NAME", "group users must belong to when --auth-group-script is given")
}
