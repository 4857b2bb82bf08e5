//go:build !windows

package supervisor

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// apacheStdout is what Apache gets as its stdout: our own stdout file
// when there is one, so access lines written there (--log-to-terminal)
// cost no copy. With --log-to-terminal Apache opens /dev/stdout, which for
// a regular file (start-server > log 2>&1) is a new open file of its own
// that appends; our file is switched to appending too, or our writes,
// at our own offset, would overwrite Apache's lines. A terminal Apache
// could not open again by that name (one another account owns, as after
// su) and anything else are copied through a pipe, which Apache can.
func apacheStdout(out io.Writer) io.Writer {
	f, ok := out.(*os.File)
	if !ok {
		return keepDraining{out}
	}
	fi, err := f.Stat()
	if err != nil {
		return keepDraining{out} // closed, say
	}
	if fi.Mode().IsRegular() {
		if err := setAppend(f); err != nil {
			return keepDraining{out}
		}
		return f
	}
	if !reopenable(f) {
		return keepDraining{out}
	}
	return f
}

// reopenable reports whether this process (and so Apache, which runs as
// the same account) can open f again by name, as /dev/stdout: a terminal
// is opened anew, with the permissions of its device.
func reopenable(f *os.File) bool {
	g, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	g.Close()
	return true
}

func setAppend(f *os.File) error {
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(f.Fd(), unix.F_SETFL, flags|unix.O_APPEND)
	return err
}
