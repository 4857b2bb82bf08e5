//go:build !windows

package telemetry

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// waitFor polls cond until it returns "" or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() string) {
	t.Helper()
	if msg := testenv.Eventually(timeout, cond); msg != "" {
		t.Fatal(msg)
	}
}

func dial(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// send writes one datagram, waiting while the receiver's queue is full
// (Linux queues few datagrams per socket: net.unix.max_dgram_qlen).
func send(t *testing.T, c *net.UnixConn, b []byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := c.Write(b)
		if err == nil {
			return
		}
		if !errors.Is(err, syscall.EAGAIN) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
}

// python is the Python mod_wsgi uses (Debian's), as templates' tests do.
func python() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

func TestReceiver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "telemetry.sock")
	s := NewStore(Options{})
	r, err := Listen(path, -1, -1, s)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- r.Serve() }()

	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket file %v, %v: want a socket with mode 0660", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the socket only", len(entries))
	}

	c := dial(t, path)
	good := loadCapture(t)[:200]
	for _, b := range good {
		send(t, c, b)
	}
	bad := [][]byte{nil, []byte("WSGI"), []byte("HTTP/1.1 200 OK\r\n\r\n"), make([]byte, MaxDatagram+100)}
	for _, m := range malformed {
		bad = append(bad, m.b)
	}
	// A flood: the malformed ones many times over, then good ones again.
	const rounds = 50
	for i := 0; i < rounds; i++ {
		for _, b := range bad {
			send(t, c, b)
		}
	}
	more := loadCapture(t)[200:210]
	for _, b := range more {
		send(t, c, b)
	}
	good = append(good, more...)
	waitFor(t, 10*time.Second, func() string {
		in := s.Snapshot().Ingest
		var accepted, dropped uint64
		for _, n := range in.Accepted {
			accepted += n
		}
		for _, n := range in.Dropped {
			dropped += n
		}
		if accepted != uint64(len(good)) || dropped != uint64(rounds*len(bad)) {
			return "accepted " + strconv.FormatUint(accepted, 10) + ", dropped " + strconv.FormatUint(dropped, 10)
		}
		if in.Dropped[string(ReasonOversize)] != rounds || in.Dropped[string(ReasonShort)] != 5*rounds {
			return "dropped by reason: " + fmtMap(in.Dropped)
		}
		return ""
	})

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket file left after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func fmtMap(m map[string]uint64) string {
	var b strings.Builder
	for k, v := range m {
		if v > 0 {
			b.WriteString(k + "=" + strconv.FormatUint(v, 10) + " ")
		}
	}
	return b.String()
}

func TestListenRefuses(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		setup func(path string)
		path  string
		want  string
	}{
		{name: "a regular file in the way", setup: func(p string) { os.WriteFile(p, []byte("x"), 0o644) },
			want: "not a socket"},
		{name: "a socket someone receives on", setup: func(p string) {
			c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: p, Net: "unixgram"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
		}, want: "another process is receiving"},
		{name: "a path too long for a socket", path: filepath.Join(dir, strings.Repeat("x", 120)), want: "shorter server root"},
		{name: "a missing directory", path: filepath.Join(dir, "missing", "t.sock"), want: "telemetry socket"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = filepath.Join(dir, strconv.Itoa(i)+".sock")
			}
			if tt.setup != nil {
				tt.setup(path)
			}
			r, err := Listen(path, -1, -1, NewStore(Options{}))
			if err == nil {
				r.Close()
				t.Fatal("Listen succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestListenReplacesStale: a socket file left by a run that died is
// replaced.
func TestListenReplacesStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.sock")
	old, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	old.Close() // the file stays: nobody receives on it
	s := NewStore(Options{})
	r, err := Listen(path, -1, -1, s)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go r.Serve()
	dial(t, path).Write(header(KindGCEvent))
	waitFor(t, 5*time.Second, func() string {
		if s.Snapshot().Ingest.Accepted["gc_event"] != 1 {
			return "datagram not received on the new socket"
		}
		return ""
	})
}

// TestListenOwnership: the socket belongs to the application's account,
// which can send to it; another account cannot.
func TestListenOwnership(t *testing.T) {
	testenv.Integration(t)
	if os.Getuid() != 0 {
		t.Fatal("this test gives the socket to another account; run it as root (CI does)")
	}
	app, err1 := user.Lookup("www-data")
	other, err2 := user.Lookup("nobody")
	if err1 != nil || err2 != nil {
		t.Fatalf("accounts www-data and nobody: %v %v", err1, err2)
	}
	dir := testenv.Dir(t)
	path := filepath.Join(dir, "telemetry.sock")
	uid, _ := strconv.Atoi(app.Uid)
	s := NewStore(Options{})
	r, err := Listen(path, uid, -1, s)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go r.Serve()
	fi, _ := os.Lstat(path)
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != uid || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket owner %d mode %v, want %d 0660", st.Uid, fi.Mode().Perm(), uid)
	}
	sendAs := func(u *user.User) (string, error) {
		id, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cmd := exec.Command(python(), "-c", `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex(sys.argv[2]), sys.argv[1])`, path, fmt.Sprintf("%x", header(KindGCEvent)))
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(id), Gid: uint32(gid)}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := sendAs(app); err != nil {
		t.Errorf("www-data cannot send: %v\n%s", err, out)
	}
	if out, err := sendAs(other); err == nil || !strings.Contains(out, "PermissionError") {
		t.Errorf("nobody could send to the socket (%v)\n%s", err, out)
	}
	waitFor(t, 5*time.Second, func() string {
		if n := s.Snapshot().Ingest.Accepted["gc_event"]; n != 1 {
			return "accepted " + strconv.FormatUint(n, 10) + " datagrams, want www-data's one"
		}
		return ""
	})
}
