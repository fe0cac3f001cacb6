package redistest

import (
	"context"
	"errors"
	"fmt"
	"go.uber.org/goleak"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// installHint is what a developer types when the binary is missing.
const installHint = "apt-get install -y redis-server"

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Option changes how a Server is started.
type Option func(*config)

type config struct {
	appendOnly bool
	args       []string
}

// WithAppendOnly turns on the append-only file with an fsync per write, so
// even Kill followed by Restart keeps every acknowledged write.
func WithAppendOnly() Option {
	return func(c *config) { c.appendOnly = true }
}

// WithArgs passes extra redis-server arguments, e.g. "--maxmemory", "10mb".
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// Server is one redis-server process owned by a test.
type Server struct {
	t    testing.TB
	cfg  config
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start runs redis-server on a free loopback port and stops it when the test
// ends. A missing binary fails the test: the reference server is not optional.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: redis-server not found on PATH (install it: %s): %v", installHint, err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for _, o := range opts {
		o(&s.cfg)
	}
	// A port picked by the kernel can be taken by someone else before
	// redis binds it; a few attempts make that race harmless.
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: find a free port: %v", err)
		}
		s.port = port
		if lastErr = s.launch(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("redistest: start redis-server: %v", lastErr)
	}
	t.Cleanup(s.Kill)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Dir is the server's working directory (RDB, AOF and log live here).
func (s *Server) Dir() string { return s.dir }

// Client returns a new client for the server, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Restart stops the server, saving its data when it is running, and starts
// it again on the same port and directory, so clients reconnect to the same
// address and find the same data. After Kill, only an append-only server
// keeps its data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		if err := s.shutdownSave(); err != nil {
			t.Fatalf("redistest: restart: %v", err)
		}
	}
	var err error
	// The old listener may linger for a moment after exit.
	for range 20 {
		if err = s.launch(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("redistest: restart on port %d: %v", s.port, err)
}

// Kill stops the server at once with SIGKILL, like a crash. It is safe to
// call more than once.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

func (s *Server) shutdownSave() error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// SHUTDOWN closes the connection instead of replying, so its error is
	// expected; the process exit is the real answer.
	_ = c.Do(ctx, "SHUTDOWN", "SAVE").Err()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("redis-server did not exit after SHUTDOWN SAVE: %w", ctx.Err())
	}
}

func (s *Server) launch() error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--dbfilename", "dump.rdb",
		"--logfile", "redis.log",
		"--daemonize", "no",
		"--save", "",
	}
	if s.cfg.appendOnly {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	args = append(args, s.cfg.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	if err := waitReady(s.Addr(), cmd.Process.Pid, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%w; log: %s", err, s.logTail())
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// waitReady polls until the server answers: redis-server has no readiness
// signal to block on. It checks the answering process is ours, because
// another test's server may have won the race for the port.
func waitReady(addr string, pid int, exited <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		info, err := c.Info(ctx, "server").Result()
		cancel()
		if err == nil {
			if strings.Contains(info, "process_id:"+strconv.Itoa(pid)+"\r\n") {
				return nil
			}
			err = fmt.Errorf("port %s answered by another redis-server", addr)
		}
		select {
		case <-exited:
			return errors.New("redis-server exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %s: %w", addr, startTimeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) logTail() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		return "(no log)"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// IgnoreRedial is the goleak option of every package that tests against
// Redis: go-redis retries a failed dial from a goroutine that sleeps up to
// a second before it notices its pool is closed, so a test that stops
// Redis leaves one behind for a while; it ends on its own.
func IgnoreRedial() goleak.Option {
	return goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial")
}
