package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds a process's start-up, until it answers /healthz or
// logs "started".
const startTimeout = 15 * time.Second

// probeClient asks /healthz; a process that accepts and never answers
// must not hang the test.
var probeClient = &http.Client{Timeout: 2 * time.Second}

// proc is one crawler process started by a test. Its stderr goes to a
// file whose tail is printed when the test fails.
type proc struct {
	t       *testing.T
	name    string
	process string
	cmd     *exec.Cmd
	logPath string
	// httpAddr answers /healthz (and /metrics with the prometheus
	// exporter): API_ADDR for the api, METRICS_ADDR for the others; empty
	// when the process serves nothing.
	httpAddr string

	done    chan struct{} // closed once cmd.Wait returned
	waitErr error         // cmd.Wait's error, read after done
}

// startProc runs `crawler --process=process` with exactly env (nothing is
// inherited from the test's environment), waits until it is up and kills
// it when the test ends. A port taken between our pick and its listen is
// retried with a fresh one.
func startProc(t *testing.T, name, process string, env map[string]string) *proc {
	t.Helper()
	var last error
	for attempt := range 3 {
		p, err := tryStart(t, fmt.Sprintf("%s.%d", name, attempt), process, env)
		if err == nil {
			p.name = name
			return p
		}
		last = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatalf("start %s (--process=%s): %v", name, process, last)
	return nil
}

func tryStart(t *testing.T, name, process string, base map[string]string) (*proc, error) {
	env := map[string]string{}
	for k, v := range base {
		env[k] = v
	}
	httpAddr := ""
	serves := process == "api" || strings.Contains(env["OTEL_METRICS_EXPORTER"], "prometheus")
	if process == "api" {
		if env["API_ADDR"] == "" {
			env["API_ADDR"] = freeAddr(t)
		}
		httpAddr = env["API_ADDR"]
	} else if serves {
		if env["METRICS_ADDR"] == "" {
			env["METRICS_ADDR"] = freeAddr(t)
		}
		httpAddr = env["METRICS_ADDR"]
	}
	logPath := filepath.Join(t.TempDir(), name+".stderr")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own descriptor
	cmd := exec.Command(crawlerBin, "--process="+process)
	cmd.Env = envList(env)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("exec %s: %w", crawlerBin, err)
	}
	p := &proc{t: t, name: name, process: process, cmd: cmd, logPath: logPath, httpAddr: httpAddr, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.cleanup)
	if err := p.waitUp(); err != nil {
		p.kill()
		return nil, fmt.Errorf("%w\n%s", err, p.logTail(20))
	}
	return p, nil
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// waitUp polls: a child process offers nothing to block on until it is
// ready.
func (p *proc) waitUp() error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("exited during start-up: %v", p.waitErr)
		default:
		}
		if p.httpAddr != "" {
			if res, err := probeClient.Get("http://" + p.httpAddr + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return nil
				}
			}
		} else if bytes.Contains(p.log(), []byte(`"msg":"started"`)) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not up within %s", startTimeout)
}

// Pid is the process id.
func (p *proc) Pid() int { return p.cmd.Process.Pid }

// running reports whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// terminate sends SIGTERM and waits up to limit for the exit. It returns
// the exit code (-1 when killed by a signal) and how long the exit took;
// a process still running at limit is killed and the test fails.
func (p *proc) terminate(limit time.Duration) (int, time.Duration) {
	p.t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("%s: SIGTERM: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(limit):
		p.t.Errorf("%s: still running %s after SIGTERM; killing it\n%s", p.name, limit, p.logTail(20))
		p.kill()
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(start)
}

// kill sends SIGKILL, like a crash or an OOM kill, and waits for the exit.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// cleanup kills the process if the test left it running and checks that
// it is gone, reaped, not a zombie of ours.
func (p *proc) cleanup() {
	if p.running() {
		p.kill()
	}
	if alive(p.Pid()) {
		p.t.Errorf("%s: pid %d is still a child of the test after kill", p.name, p.Pid())
	}
	if p.t.Failed() {
		p.t.Logf("--- %s (pid %d, %s) stderr tail:\n%s", p.name, p.Pid(), p.cmd.ProcessState, p.logTail(30))
	}
}

func (p *proc) log() []byte {
	b, _ := os.ReadFile(p.logPath)
	return b
}

// logTail is the last n lines of the process's stderr.
func (p *proc) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(string(p.log()), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logCount counts the stderr lines holding s.
func (p *proc) logCount(s string) int {
	return bytes.Count(p.log(), []byte(s))
}

// healthy reports whether the process answers /healthz.
func (p *proc) healthy(ctx context.Context) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.httpAddr+"/healthz", nil)
	res, err := probeClient.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
