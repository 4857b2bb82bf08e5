//go:build !windows

package server

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// fileService makes a file on Start and removes it on Stop, as the
// telemetry ingester does with its socket and state file.
type fileService struct{ path string }

func (f *fileService) Start() error { return os.WriteFile(f.path, []byte("running\n"), 0o600) }
func (f *fileService) Stop()        { os.Remove(f.path) }

// TestMain runs, in the child of TestSignalBeforeLaunchEndsCommand, the
// start of a server that never reaches its launch.
func TestMain(m *testing.M) {
	if path := os.Getenv("SERVER_TEST_SERVICE_FILE"); path != "" {
		sigs, ends := subscribe()
		// Each signal is said on stdout as it goes to the run, so that
		// the test knows it was seen.
		seen := make(chan os.Signal, 32)
		go func() {
			for sig := range sigs {
				fmt.Printf("seen %d\n", sig)
				seen <- sig
			}
		}()
		r := newRun([]Service{&fileService{path}}, seen, ends, resignal)
		if err := r.provision(); err != nil {
			os.Exit(3)
		}
		if err := r.start(); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("started\n")
		time.Sleep(time.Hour)
		os.Exit(4)
	}
	os.Exit(m.Run())
}

// startChild starts the child of TestMain (under wrapper, if given) and
// waits until its service has started.
func startChild(t *testing.T, path string, wrapper ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	args := append(wrapper, os.Args[0], "-test.run=^$")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "SERVER_TEST_SERVICE_FILE="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := bufio.NewReader(out)
	if line, err := lines.ReadString('\n'); err != nil || line != "started\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the service's file is not there once started: %v", err)
	}
	return cmd, lines
}

// checkKilled checks that the child was killed by sig, its service's
// file removed.
func checkKilled(t *testing.T, cmd *exec.Cmd, path string, sig syscall.Signal) {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child ended with %v, want killed by %v", err, sig)
	}
	if st := ee.Sys().(syscall.WaitStatus); !st.Signaled() || st.Signal() != sig {
		t.Errorf("child ended with %v, want killed by %v", err, sig)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the service's file was left behind: %v", err)
	}
}

// A stop signal before Apache's launch stops the services, which remove
// their files, and ends the command as the signal would have: killed by
// it.
func TestSignalBeforeLaunchEndsCommand(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			if signal.Ignored(sig) {
				// Caught here, it is at its default in the child, not
				// ignored as in a test run in the background by a shell.
				c := make(chan os.Signal, 1)
				signal.Notify(c, sig)
				defer signal.Stop(c)
			}
			path := filepath.Join(t.TempDir(), "service-file")
			cmd, _ := startChild(t, path)
			cmd.Process.Signal(sig)
			checkKilled(t, cmd, path, sig)
		})
	}
}

// Signals that change nothing before the launch, had nobody caught them,
// change nothing: a window resize, SIGUSR1, and SIGHUP under nohup. The
// service keeps running until a stop signal.
func TestSignalBeforeLaunchIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "service-file")
	cmd, lines := startChild(t, path, "nohup")
	for _, sig := range []syscall.Signal{syscall.SIGWINCH, syscall.SIGUSR1, syscall.SIGHUP} {
		cmd.Process.Signal(sig)
		if line, err := lines.ReadString('\n'); err != nil || line != fmt.Sprintf("seen %d\n", sig) {
			t.Fatalf("after %v the child said %q, %v", sig, line, err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the service's file is gone: %v", err)
	}
	// The run sees SIGTERM after the others: had one of them ended the
	// child, it would not be killed by SIGTERM.
	cmd.Process.Signal(syscall.SIGTERM)
	checkKilled(t, cmd, path, syscall.SIGTERM)
}
