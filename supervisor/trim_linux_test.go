package supervisor

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template"
)

func TestUnchangedMappings(t *testing.T) {
	const exe = "/usr/bin/mod_wsgi-express"
	smaps := `00400000-0099e000 r-xp 00000000 08:01 123 /usr/bin/mod_wsgi-express
Size:               5752 kB
Rss:                4984 kB
Anonymous:             0 kB
0099e000-00fb8000 r--p 0059e000 08:01 123 /usr/bin/mod_wsgi-express
Size:               6248 kB
Rss:                4584 kB
Anonymous:             0 kB
00fb8000-0101e000 rw-p 00bb8000 08:01 123 /usr/bin/mod_wsgi-express
Rss:                 312 kB
Anonymous:           120 kB
0101e000-01020000 r--p 00c1e000 08:01 123 /usr/bin/mod_wsgi-express
Rss:                   8 kB
Anonymous:             8 kB
7f0bafc7f000-7f0bafdd5000 r-xp 00028000 08:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1092 kB
Anonymous:             0 kB
905c4000000-905c4800000 rw-p 00000000 00:00 0 
Rss:                4988 kB
Anonymous:          4988 kB
`
	path := filepath.Join(t.TempDir(), "smaps")
	if err := os.WriteFile(path, []byte(smaps), 0o600); err != nil {
		t.Fatal(err)
	}
	got := unchangedMappings(path, exe)
	// The text and read-only data, not the writable data, not the
	// read-only page a write changed (relocations), not another file's.
	want := [][2]uintptr{{0x400000, 0x99e000}, {0x99e000, 0xfb8000}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("mappings %x, want %x", got, want)
	}
	if got := unchangedMappings(filepath.Join(t.TempDir(), "none"), exe); got != nil {
		t.Errorf("no smaps: %x, want none", got)
	}
}

// exeRss sums the resident KiB of this executable's mappings.
func exeRss(t *testing.T) (kib int, mappings int) {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	mine := false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && len(f[1]) == 4:
			mine = len(f) >= 6 && f[5] == exe
			if mine {
				mappings++
			}
		case mine && len(f) >= 2 && f[0] == "Rss:":
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("smaps: %q", line)
			}
			kib += n
		}
	}
	return kib, mappings
}

// TestTrimMemory drops the test binary's resident pages, and the code
// still runs afterwards (pages come back from the page cache).
func TestTrimMemory(t *testing.T) {
	// Touch code and read-only data start-up would: templates, regexps.
	tmpl := template.Must(template.New("x").Parse("{{range .}}{{.}} {{end}}"))
	var sb strings.Builder
	if err := tmpl.Execute(&sb, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	before, n := exeRss(t)
	if n == 0 {
		t.Fatal("no mapping of the executable in /proc/self/smaps")
	}
	trimMemory()
	after, _ := exeRss(t)
	if after >= before {
		t.Errorf("the executable's resident pages: %d KiB before, %d after trimming; want fewer", before, after)
	}
	t.Logf("executable resident: %d KiB before, %d KiB after", before, after)
	sb.Reset()
	if err := tmpl.Execute(&sb, []string{"c", "d"}); err != nil || sb.String() != "c d " {
		t.Errorf("template after trimming: %q, %v", sb.String(), err)
	}
	if !regexp.MustCompile(`^a+b$`).MatchString("aaab") {
		t.Error("regexp after trimming")
	}
}
