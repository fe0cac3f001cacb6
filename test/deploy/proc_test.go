package deploy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// proc is a child process owned by a test: stopped with SIGTERM (then
// killed) when the test ends, its output kept in a file and shown when the
// test fails.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startProc runs bin with args and exactly env (nothing inherited but PATH
// and HOME, so a developer's OTEL_* or AWS_* variables cannot leak in).
func startProc(t *testing.T, name, bin string, args, env []string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(30 * time.Second)
		if t.Failed() {
			t.Logf("--- %s (%s) output, last lines ---\n%s", name, bin, p.tail(40))
		}
	})
	return p
}

// stop asks the process to shut down the way ECS or compose would, and kills
// it when it overstays.
func (p *proc) stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports an early exit of the process, with its output.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited: %v\n%s", p.name, p.err, p.tail(40))
	default:
		return nil
	}
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

func (p *proc) tail(n int) string { return tailLines(p.output(), n) }

// freePort returns a loopback port nobody listens on now. Another process
// may take it before ours binds; the stack's start-up checks catch that.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitHTTP waits until url answers 200, failing the test when p exits or
// the deadline passes. It polls because a child process announces readiness
// nowhere else.
func waitHTTP(t *testing.T, p *proc, url string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var last error
	for {
		if err := p.exited(); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("%s not ready at %s after %v: %v\n%s", p.name, url, timeout, errors.Join(last, ctx.Err()), p.tail(40))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lookPath finds a binary or fails the test naming the install command.
func lookPath(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH: install it with `%s`", name, install)
	}
	return p
}

// runPrometheus runs Prometheus (bin) with the configuration cfg, written
// into dir, its storage in dir too, on a free loopback port, and returns
// its base URL once it is ready.
func runPrometheus(t *testing.T, bin, dir, cfg string, flags ...string) string {
	t.Helper()
	path := filepath.Join(dir, "prometheus.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := startProc(t, "prometheus", bin, append([]string{
		"--config.file=" + path,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	}, flags...), nil)
	waitHTTP(t, p, "http://"+addr+"/-/ready", time.Minute)
	return "http://" + addr
}
