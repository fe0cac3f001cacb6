package browser

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// proc is a live process seen in /proc.
type proc struct {
	pid, ppid, session int
	comm               string
	state              byte
}

func (p proc) String() string { return fmt.Sprintf("%d(%s)", p.pid, p.comm) }

func readProcs() map[int]proc {
	out := make(map[int]proc)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || close < 0 || close+4 > len(b) {
			continue
		}
		fields := strings.Fields(string(b[close+2:]))
		if len(fields) < 4 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		session, _ := strconv.Atoi(fields[3])
		out[pid] = proc{pid: pid, ppid: ppid, session: session, comm: string(b[open+1 : close]), state: fields[0][0]}
	}
	return out
}

// descendants lists the live (not zombie) processes below root.
func descendants(root int) []proc {
	children := make(map[int][]proc)
	for _, p := range readProcs() {
		children[p.ppid] = append(children[p.ppid], p)
	}
	var out []proc
	queue := []int{root}
	for len(queue) > 0 {
		for _, c := range children[queue[0]] {
			if c.state != 'Z' {
				out = append(out, c)
			}
			queue = append(queue, c.pid)
		}
		queue = queue[1:]
	}
	return out
}

// browserProcs lists live Chromium and node processes below root.
func browserProcs(root int) []proc {
	var out []proc
	for _, p := range descendants(root) {
		if isBrowserProc(p) {
			out = append(out, p)
		}
	}
	return out
}

func isBrowserProc(p proc) bool {
	return strings.HasPrefix(p.comm, "chrom") || p.comm == "node" || strings.HasPrefix(p.comm, "headless")
}

// alive reports which of pids still run (zombies do not count).
func alive(pids []proc) []proc {
	all := readProcs()
	var out []proc
	for _, p := range pids {
		if q, ok := all[p.pid]; ok && q.state != 'Z' && q.comm == p.comm {
			out = append(out, q)
		}
	}
	return out
}

// driverTree is the driver process and everything it started: node,
// Chromium, its zygotes, renderers and utilities.
func driverTree(t testing.TB, f *Fetcher) []proc {
	t.Helper()
	f.mu.Lock()
	inst := f.cur
	f.mu.Unlock()
	if inst == nil {
		t.Fatal("no browser running")
	}
	pid := inst.pw.Pid()
	tree := descendants(pid)
	if p, ok := readProcs()[pid]; ok {
		tree = append(tree, p)
	}
	return tree
}

// assertGone fails unless every process of procs ends within a second:
// Close waits for the driver, and Chromium's children follow their parent.
func assertGone(t testing.TB, procs []proc) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		left := alive(procs)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Close, %d of %d browser processes still run: %v", len(left), len(procs), left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
