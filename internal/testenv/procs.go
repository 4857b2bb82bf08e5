package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Proc is one live process, as /proc shows it.
type Proc struct {
	PID, PPID, PGID int
	Threads         int    // entries in /proc/PID/task
	Cmdline         string // arguments joined by spaces
}

// AllProcesses lists the live (not zombie) processes of the machine.
func AllProcesses() []Proc {
	var out []Proc
	eachStat(func(pid int, state string, ppid, pgid int) {
		if state == "Z" {
			return
		}
		tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		out = append(out, Proc{PID: pid, PPID: ppid, PGID: pgid, Threads: len(tasks),
			Cmdline: strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))})
	})
	return out
}

// ZombieChildren lists the children of ppid that have exited and not been
// waited for.
func ZombieChildren(ppid int) []int {
	var out []int
	eachStat(func(pid int, state string, parent, _ int) {
		if state == "Z" && parent == ppid {
			out = append(out, pid)
		}
	})
	return out
}

// eachStat calls f with the state, parent and process group of every
// process in /proc.
func eachStat(f func(pid int, state string, ppid, pgid int)) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fs := strings.Fields(string(stat[i+1:]))
		if len(fs) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(fs[1])
		pgid, _ := strconv.Atoi(fs[2])
		f(pid, fs[0], ppid, pgid)
	}
}

// ProcessGroup lists the live processes of process group pgid.
func ProcessGroup(pgid int) []Proc {
	var out []Proc
	for _, p := range AllProcesses() {
		if p.PGID == pgid {
			out = append(out, p)
		}
	}
	return out
}

// ApacheProcesses splits the processes of a server started by Start
// (start-server, pid startServer, runs Apache as its child in a process
// group of its own) into Apache's children and mod_wsgi daemon processes,
// known by their display name "(wsgi:...". Both are children of the
// Apache parent process.
func ApacheProcesses(startServer int) (children, daemons []Proc) {
	all := AllProcesses()
	parent := -1
	for _, p := range all {
		if p.PPID == startServer {
			parent = p.PID
		}
	}
	for _, p := range all {
		if p.PPID != parent {
			continue
		}
		if strings.HasPrefix(p.Cmdline, "(wsgi:") {
			daemons = append(daemons, p)
		} else {
			children = append(children, p)
		}
	}
	return children, daemons
}

// Eventually polls cond every 50ms until it returns "" or timeout passes,
// and returns its last answer ("" when satisfied). For waiting on a state
// to settle (processes starting), never for judging speed.
func Eventually(timeout time.Duration, cond func() string) string {
	deadline := time.Now().Add(timeout)
	for {
		msg := cond()
		if msg == "" || time.Now().After(deadline) {
			return msg
		}
		time.Sleep(50 * time.Millisecond)
	}
}
