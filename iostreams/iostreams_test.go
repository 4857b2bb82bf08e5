package iostreams

import (
	"fmt"
	"io"
	"testing"
)

func TestTestStreams(t *testing.T) {
	s, in, out, errOut := Test()
	in.WriteString("typed")
	fmt.Fprint(s.Out, "output")
	fmt.Fprint(s.Err, "error")
	got, _ := io.ReadAll(s.In)
	if string(got) != "typed" || out.String() != "output" || errOut.String() != "error" {
		t.Errorf("in %q, out %q, err %q", got, out, errOut)
	}
	if s.IsTerminal {
		t.Error("test streams claim a terminal")
	}
	if _, _, ok := s.Terminal(); ok {
		t.Error("buffers taken for a terminal")
	}
}
