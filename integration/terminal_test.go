//go:build !windows

package integration

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/modwsgi-go/mod_wsgi-express/internal/testenv"
)

// ptyServer runs start-server on a real pseudo-terminal, as a person at a
// shell would: the command is the terminal's foreground process group.
type ptyServer struct {
	cmd  *exec.Cmd
	tty  *os.File
	port int
	root string
	out  chan string
	log  *strings.Builder
	// pending is output not yet consumed by expect.
	pending string
	done    chan struct{}
	err     error
}

func startOnPTY(t *testing.T, dir string, args ...string) *ptyServer {
	t.Helper()
	return startOnPTYAs(t, dir, "", nil, args...)
}

// startOnPTYAs is startOnPTY with the command run by another account
// (cred, its environment env and a server root under root), on a terminal
// root made: as after su, the terminal is not that account's.
func startOnPTYAs(t *testing.T, dir, root string, cred *syscall.Credential, args ...string) *ptyServer {
	t.Helper()
	testenv.Integration(t)
	port := testenv.FreePort(t)
	if root == "" {
		root = filepath.Join(testenv.Dir(t), "root")
	}
	full := append([]string{"start-server", "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--server-root", root}, args...)
	cmd := testenv.Command(t, dir, full...)
	attrs := &syscall.SysProcAttr{Setsid: true, Setctty: true, Credential: cred}
	if cred != nil {
		home := filepath.Dir(root)
		cmd.Env = nobodyEnv(home)
	}
	tty, err := pty.StartWithAttrs(cmd, &pty.Winsize{Rows: 24, Cols: 80}, attrs)
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyServer{cmd: cmd, tty: tty, port: port, root: root, out: make(chan string, 1000), log: &strings.Builder{}, done: make(chan struct{})}
	go func() {
		// Chunks as they come, so prompts without a newline (pdb's) are seen.
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			if n > 0 {
				p.out <- string(buf[:n])
			}
			if err != nil {
				close(p.out)
				return
			}
		}
	}()
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		tty.Close()
		testenv.AssertNoProcesses(t, cmd.Process.Pid, root)
	})
	return p
}

// expect reads terminal output until it contains want (after what earlier
// expects matched).
func (p *ptyServer) expect(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if i := strings.Index(p.pending, want); i >= 0 {
			p.pending = p.pending[i+len(want):]
			return
		}
		select {
		case chunk, ok := <-p.out:
			if !ok {
				t.Fatalf("terminal closed before %q; output:\n%s", want, p.log)
			}
			p.log.WriteString(chunk)
			p.pending += chunk
		case <-deadline:
			t.Fatalf("no %q within %v; output:\n%s", want, timeout, p.log)
		}
	}
}

func (p *ptyServer) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := httpClient.Get(fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path))
	if err != nil {
		t.Fatalf("GET %s: %v\noutput:\n%s", path, err, p.log)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	return string(b)
}

func TestTerminalResizeAndCtrlC(t *testing.T) {
	dir := testenv.Dir(t)
	testenv.WriteFile(t, filepath.Join(dir, "app.wsgi"), echoApp)
	p := startOnPTY(t, dir, "app.wsgi")
	p.expect(t, "Server is ready", 30*time.Second)
	p.get(t, "/")

	// Resizing the window sends SIGWINCH to the foreground process group;
	// Apache would take it as graceful-stop. It must keep serving.
	for i := 0; i < 3; i++ {
		if err := pty.Setsize(p.tty, &pty.Winsize{Rows: uint16(30 + i), Cols: uint16(100 + i)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	p.get(t, "/after-resize")

	// Ctrl-C, typed at the terminal.
	p.send(t, "\x03")
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("start-server still running 20s after Ctrl-C; output:\n%s", p.log)
	}
	if p.err != nil {
		t.Errorf("exit after Ctrl-C: %v (want status 0, Apache's own)", p.err)
	}
	testenv.AssertNoProcesses(t, p.cmd.Process.Pid, p.root)
}

// send types text at the terminal.
func (p *ptyServer) send(t *testing.T, text string) {
	t.Helper()
	if _, err := p.tty.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
}

// waitExit waits for the command to end (the bound only guards against a
// hang) and checks that nothing of the server is left.
func (p *ptyServer) waitExit(t *testing.T, what string) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.drain()
		t.Fatalf("%s; output:\n%s", what, p.log)
	}
	testenv.AssertNoProcesses(t, p.cmd.Process.Pid, p.root)
}
