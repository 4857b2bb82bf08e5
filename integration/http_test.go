package integration

import (
	"net/http"
	"testing"
	"time"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// waitFor polls cond until it holds; the 30 s bound only guards against a
// hang (it asserts an outcome, never a duration). show, if given, adds
// context to the failure.
func waitFor(t *testing.T, what string, cond func() bool, show ...func() string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			extra := ""
			for _, f := range show {
				extra += "\n" + f()
			}
			t.Fatalf("gave up waiting for %s%s", what, extra)
		}
	}
}
