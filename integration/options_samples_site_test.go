package integration

// Samples for the static file, error, access, auth and server feature
// options (express/static.go, access.go, features.go, includes.go,
// services.go).
func init() {
	const wsgi = "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'']\n"
	addSamples(map[string]optionSample{
		"directory-index":    {Args: []string{"--directory-index", "index.html", "--document-root", "docs"}, Files: map[string]string{"docs/index.html": "x"}},
		"directory-listing":  {Args: []string{"--directory-listing", "--document-root", "docs"}, Files: map[string]string{"docs/a.txt": "x"}},
		"allow-override":     {Args: []string{"--allow-override", "FileInfo", "--allow-override", "AuthConfig"}},
		"error-document":     {Args: []string{"--error-document", "404", "/missing.html", "--error-document", "500", "/oops.html"}},
		"error-override":     {Args: []string{"--error-override"}},
		"add-handler":        {Args: []string{"--add-handler", ".py", "handler.py", "--document-root", "docs"}, Files: map[string]string{"handler.py": wsgi, "docs/a.py": ""}},
		"map-head-to-get":    {Args: []string{"--map-head-to-get", "Off"}},
		"host-access-script": {Args: []string{"--host-access-script", "access.py"}, Files: map[string]string{"access.py": "def allow_access(environ, host):\n    return True\n"}},
		"auth-user-script":   {Args: []string{"--auth-user-script", "users.py"}, Files: map[string]string{"users.py": "def check_password(environ, user, password):\n    return True\n"}},
		"auth-type":          {Args: []string{"--auth-type", "Digest", "--auth-user-script", "users.py"}, Files: map[string]string{"users.py": "def get_realm_hash(environ, user, realm):\n    return None\n"}},
		"auth-group-script":  {Args: []string{"--auth-user-script", "users.py", "--auth-group-script", "groups.py"}, Files: map[string]string{"users.py": "def check_password(environ, user, password):\n    return True\n", "groups.py": "def groups_for_user(environ, user):\n    return ['wsgi']\n"}},
		"auth-group":         {Args: []string{"--auth-group", "staff", "--auth-user-script", "users.py", "--auth-group-script", "groups.py"}, Files: map[string]string{"users.py": "def check_password(environ, user, password):\n    return True\n", "groups.py": "def groups_for_user(environ, user):\n    return ['staff']\n"}},
		"compress-responses": {Args: []string{"--compress-responses"}},
		"server-status":      {Args: []string{"--server-status"}},
		"server-metrics":     {Args: []string{"--server-metrics"}},
		"enable-sendfile":    {Args: []string{"--enable-sendfile"}},
		"chunked-request":    {Args: []string{"--chunked-request"}},
		"with-cgi":           {Args: []string{"--with-cgi", "--document-root", "docs"}, Files: map[string]string{"docs/x.cgi": "#!/bin/sh\necho\n"}},
		// Refused: PHP 5 is no longer supported (exit status 2 naming it).
		"with-php5":        {Args: []string{"--with-php5"}, Refused: "PHP 5"},
		"include-file":     {Args: []string{"--include-file", "extra.conf"}, Files: map[string]string{"extra.conf": "# nothing\nServerSignature Off\n"}},
		"rewrite-rules":    {Args: []string{"--rewrite-rules", "rules.conf"}, Files: map[string]string{"rules.conf": "RewriteRule ^old$ new [L]\n"}},
		"envvars-script":   {Args: []string{"--envvars-script", "env.sh"}, Files: map[string]string{"env.sh": "FOO=bar\n"}},
		"service-script":   {Args: []string{"--service-script", "tasks", "tasks.py"}, Files: map[string]string{"tasks.py": "pass\n"}},
		"service-user":     {Args: []string{"--service-script", "tasks", "tasks.py", "--service-user", "tasks", "www-data"}, Files: map[string]string{"tasks.py": "pass\n"}},
		"service-group":    {Args: []string{"--service-script", "tasks", "tasks.py", "--service-group", "tasks", "www-data"}, Files: map[string]string{"tasks.py": "pass\n"}},
		"service-log-file": {Args: []string{"--service-script", "tasks", "tasks.py", "--service-log-file", "tasks", "tasks.log"}, Files: map[string]string{"tasks.py": "pass\n"}},
		// Needs mod_wsgi's HTML documentation installed beside the module;
		// neither Debian's package nor mod_wsgi's source distribution (what
		// pip installs) has it, so it is refused with exit status 2 naming
		// the option. TestEnableDocs serves documentation put in place.
		"enable-docs":   {Args: []string{"--enable-docs"}, Refused: "documentation"},
		"process-name":  {Args: []string{"--process-name", "my-apache"}},
		"socket-prefix": {Args: []string{"--socket-prefix", "sock"}, Files: map[string]string{"sock/.keep": ""}},
	})
}
