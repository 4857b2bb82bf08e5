package telemetry

// msgTrunc: Windows has no datagram UNIX sockets, so no receiver reads
// one there (start-server, which runs the telemetry, does not run on
// Windows); an oversize datagram would still be caught by its length.
const msgTrunc = 0
