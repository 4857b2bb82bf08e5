// Package supervisor runs Apache for start-server: as a child in its own
// process group, watched until it exits. It says when Apache is ready, or
// why it failed to start; drains on SIGTERM and forwards the other signals
// a terminal, a container runtime or a process manager sends (the signals
// themselves are caught by package server, which hands them to Launch);
// restarts the application on SIGUSR1; and, as PID 1 of a container, reaps
// orphans. It takes a Plan and the command's streams, and knows nothing of
// flags.
package supervisor

import "time"

// Backstop is how long Apache has to end after a drain's deadline cut
// what was still running (stop.go; docs/kubernetes.md).
const Backstop = 5 * time.Second
