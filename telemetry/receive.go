package telemetry

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// maxSocketPath is the longest path a UNIX socket address holds (sun_path
// is 108 bytes with its terminating NUL on Linux).
const maxSocketPath = 107

// Receiver reads telemetry datagrams from a UNIX datagram socket into a
// Store until closed.
type Receiver struct {
	conn  *net.UnixConn
	store *Store
	path  string // socket file to remove on Close; "" when not ours
	done  chan struct{}
	once  sync.Once
}

// Listen binds a UNIX datagram socket at path for the senders, mod_wsgi's
// processes: the file gets mode 0660, owned by uid and gid (-1 leaves the
// owner or group as it is; changing them needs root), so only that account
// and group can send. A stale socket file left by an earlier run is
// replaced; any other file, or a socket someone still listens on, is an
// error. The socket appears at
// path already restricted (it is bound under a private name and renamed).
// Datagrams go into store; call Serve to read them and Close to stop and
// remove the socket file.
func Listen(path string, uid, gid int, store *Store) (*Receiver, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("telemetry socket path %s is %d bytes, longer than the %d a UNIX socket address holds: use a shorter server root", path, len(path), maxSocketPath)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".telemetry-")
	if err != nil {
		return nil, fmt.Errorf("telemetry socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	if len(tmp) > maxSocketPath { // the private name is longer than path
		tmp = path
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: tmp, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("telemetry socket %s: %w", path, err)
	}
	fail := func(err error) (*Receiver, error) {
		conn.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("telemetry socket %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o660); err != nil {
		return fail(err)
	}
	if uid >= 0 || gid >= 0 {
		if err := os.Lchown(tmp, uid, gid); err != nil {
			return fail(err)
		}
	}
	if tmp != path {
		if err := os.Rename(tmp, path); err != nil {
			return fail(err)
		}
	}
	// A burst of samples from many processes should wait in the kernel,
	// not be dropped; the kernel caps the size.
	conn.SetReadBuffer(4 << 20)
	return &Receiver{conn: conn, store: store, path: path, done: make(chan struct{})}, nil
}

// removeStale removes a socket file nobody listens on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("telemetry socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("telemetry socket %s: a file that is not a socket is in the way; remove it", path)
	}
	c, err := net.DialTimeout("unixgram", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("telemetry socket %s: another process is receiving on it", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("telemetry socket %s: cannot tell whether it is in use: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("telemetry socket %s: removing the stale socket: %w", path, err)
	}
	return nil
}

// NewReceiver reads datagrams from an existing socket (for example one
// passed in by a supervisor); Close does not remove any file.
func NewReceiver(conn *net.UnixConn, store *Store) *Receiver {
	return &Receiver{conn: conn, store: store, done: make(chan struct{})}
}

// Path is the socket file's path ("" for NewReceiver).
func (r *Receiver) Path() string { return r.path }

// Store is where the datagrams go.
func (r *Receiver) Store() *Store { return r.store }

// Serve reads datagrams until Close. Malformed ones are counted by reason
// and dropped; nothing a sender does stops it. It returns nil after Close.
func (r *Receiver) Serve() error {
	buf := make([]byte, MaxDatagram+1)
	for {
		n, _, flags, _, err := r.conn.ReadMsgUnix(buf, nil)
		if err != nil {
			if r.closed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Transient (ENOBUFS, EINTR...): keep going, but do not spin.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if flags&msgTrunc != 0 || n > MaxDatagram {
			r.store.Drop(ReasonOversize)
			continue
		}
		r.store.Ingest(buf[:n]) // errors are counted by the store
	}
}

func (r *Receiver) closed() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Close stops Serve and removes the socket file Listen made.
func (r *Receiver) Close() error {
	var err error
	r.once.Do(func() {
		close(r.done)
		err = r.conn.Close()
		if r.path != "" {
			if rerr := os.Remove(r.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
				err = rerr
			}
		}
	})
	return err
}
