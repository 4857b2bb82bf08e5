package discover

// tempDir is where default server roots go. On macOS it is /var/tmp, as
// upstream chose: $TMPDIR there is a long per-user path, and mod_wsgi's
// daemon socket paths under it can pass the 104-byte limit of a UNIX
// socket address.
func tempDir() string { return "/var/tmp" }
