// Package iostreams holds a command's standard streams: what it reads, where
// it writes its output and its errors, and whether the output is a
// terminal. Commands get them from cmd.Factory; tests build them with Test.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams and whether Out is a
// terminal, which decides how Apache is run and what is printed (colour,
// hints such as "Ctrl-C to stop").
type IOStreams struct {
	In         io.Reader
	Out, Err   io.Writer
	IsTerminal bool
}

// System is the process's own standard streams.
func System() IOStreams {
	return IOStreams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		IsTerminal: term.IsTerminal(int(os.Stdout.Fd())),
	}
}

// Test is streams for tests: In reads the returned input buffer, Out and Err
// write to the returned buffers, and Out is no terminal.
func Test() (s IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return IOStreams{In: in, Out: out, Err: errOut}, in, out, errOut
}

// Terminal returns In and Out as files when both are terminals, which a
// full-screen view (top's) needs; ok is false otherwise.
func (s IOStreams) Terminal() (in, out *os.File, ok bool) {
	in, inOK := s.In.(*os.File)
	out, outOK := s.Out.(*os.File)
	if !inOK || !outOK || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return nil, nil, false
	}
	return in, out, true
}
