package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// As root, files the children must read are checked for www-data before
// anything is written: the error names the option, the path that blocks
// and the chmod that fixes it (o+rx for a directory, o+r for a file).
func TestUnreachablePathsNamed(t *testing.T) {
	testenv.Integration(t)
	if os.Getuid() != 0 {
		t.Fatal("this test checks root's choice of account; run it as root (CI does)")
	}
	dir := testenv.Dir(t)
	private := filepath.Join(dir, "private")
	testenv.WriteFile(t, filepath.Join(private, "app.wsgi"), groupApp)
	os.Chmod(private, 0o700)
	secret := testenv.WriteFile(t, filepath.Join(dir, "secret.wsgi"), groupApp)
	os.Chmod(secret, 0o600)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), groupApp)
	assets := filepath.Join(dir, "assets")
	testenv.WriteFile(t, filepath.Join(assets, "a.css"), "x")
	os.Chmod(assets, 0o700)
	wantRefused(t, dir, nil, []refusedCase{
		// A positional entry point is named as typed.
		{[]string{"private/app.wsgi"}, []string{"Error: private/app.wsgi: " + filepath.Join(private, "app.wsgi") + " is not reachable by www-data", "chmod o+rx " + private}},
		{[]string{"--entry-point", "secret.wsgi"}, []string{"--entry-point: " + secret + " is not reachable by www-data", "chmod o+r " + secret}},
		{[]string{"app.wsgi", "--url-alias", "/static", "assets"}, []string{"--url-alias", "chmod o+rx " + assets}},
		{[]string{"private"}, []string{"Error: private: " + private + " is a directory", "--application-type static"}},
	})
}
