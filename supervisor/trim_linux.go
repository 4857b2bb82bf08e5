package supervisor

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// trimMemory gives back what start-up needed and watching Apache does not:
// the Go heap's free pages (debug.FreeOSMemory), and the pages of this
// executable that start-up faulted in (option parsing, templates, writing
// the server root: about 10 MiB of a 17 MiB binary), which would otherwise
// stay mapped, and counted in the command's RSS and PSS, for as long as it
// runs. Only read-only mappings of the executable that no write has
// changed (smaps: Anonymous 0) are dropped, with MADV_DONTNEED: the kernel
// maps a page again from the file's page cache when it is used. Watching
// Apache uses about 1.5 MiB of them.
func trimMemory() {
	debug.FreeOSMemory()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	for _, m := range unchangedMappings("/proc/self/smaps", exe) {
		syscall.Syscall(syscall.SYS_MADVISE, m[0], m[1]-m[0], syscall.MADV_DONTNEED)
	}
}

// unchangedMappings lists the [start, end) of each mapping of path in an
// smaps file that is neither writable nor holds a page changed in memory.
func unchangedMappings(smaps, path string) [][2]uintptr {
	data, err := os.ReadFile(smaps)
	if err != nil {
		return nil
	}
	var out [][2]uintptr
	last := false // out's last entry is the mapping being read
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && len(f[1]) == 4 {
			last = false
			if len(f) < 6 || f[5] != path || strings.Contains(f[1], "w") {
				continue
			}
			lo, hi, _ := strings.Cut(f[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				out, last = append(out, [2]uintptr{uintptr(a), uintptr(b)}), true
			}
			continue
		}
		if last && len(f) >= 2 && f[0] == "Anonymous:" && f[1] != "0" {
			out, last = out[:len(out)-1], false
		}
	}
	return out
}
