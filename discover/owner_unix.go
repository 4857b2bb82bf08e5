//go:build !windows

package discover

import (
	"io/fs"
	"syscall"
)

// fileOwner is the uid and gid that own a file, from its stat data.
func fileOwner(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
