package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// children lists this process's child processes, zombies included, as
// "pid comm state": what pgrep -P would show, read from /proc so the check
// needs no tool and no guess about names.
func children() []string {
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, path := range stats {
		pid, comm, state, ppid, ok := readStat(path)
		if ok && ppid == self {
			out = append(out, fmt.Sprintf("%d %s %s", pid, comm, state))
		}
	}
	return out
}

// alive reports whether pid is still a child of this process (running or
// an unreaped zombie).
func alive(pid int) bool {
	_, _, _, ppid, ok := readStat("/proc/" + strconv.Itoa(pid) + "/stat")
	return ok && ppid == os.Getpid()
}

// readStat parses the fields we need of /proc/PID/stat. The command name
// sits in parentheses and may itself hold spaces and parentheses, so the
// fields after it are found from the last ')'.
func readStat(path string) (pid int, comm, state string, ppid int, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", "", 0, false
	}
	s := string(b)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return 0, "", "", 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(s[:lp]))
	if err != nil {
		return 0, "", "", 0, false
	}
	rest := strings.Fields(s[rp+1:])
	if len(rest) < 2 {
		return 0, "", "", 0, false
	}
	ppid, err = strconv.Atoi(rest[1])
	if err != nil {
		return 0, "", "", 0, false
	}
	return pid, s[lp+1 : rp], rest[0], ppid, true
}
