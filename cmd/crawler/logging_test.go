package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullPipe is a pipe nobody reads whose buffer is already full, as the
// container's stdout and stderr are when the awslogs driver blocks.
func fullPipe(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	fd := int(w.Fd()) // from here on the file's writes block in the kernel
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := syscall.Write(fd, make([]byte, 4096)); err != nil {
			break // EAGAIN: full
		}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestBlockedLogsDoNotStallJobs: with stdout and stderr both blocked, the
// process starts, answers, runs every job it is given and stops within
// its shutdown bound; the log lines it could not write are dropped.
func TestBlockedLogsDoNotStallJobs(t *testing.T) {
	t.Parallel()
	s := site(t)
	addr := freeAddr(t)
	env := map[string]string{
		"API_ADDR": addr, "API_TOKEN": "test-token", "CRAWL_ALLOW_PRIVATE": "true",
		"WORKER_CONCURRENCY": "4", "SHUTDOWN_TIMEOUT": "5s", "OTEL_METRICS_EXPORTER": "emf",
	}
	stdout, stderr := fullPipe(t), fullPipe(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), stdout, stderr) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("run did not stop within 30s of cancel, its output blocked")
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)
	const n = 30
	var batch strings.Builder
	batch.WriteString(`{"jobs":[`)
	for i := range n {
		if i > 0 {
			batch.WriteString(",")
		}
		fmt.Fprintf(&batch, `{"url":"%s/q%d","method":"http"}`, s.URL, i)
	}
	batch.WriteString("]}")
	req, _ := http.NewRequest("POST", base+"/v1/jobs", strings.NewReader(batch.String()))
	req.Header.Set("Authorization", "Bearer test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ids struct{ IDs []string }
	if resp.StatusCode != 202 || json.Unmarshal(body, &ids) != nil || len(ids.IDs) != n {
		t.Fatalf("batch: %d %s", resp.StatusCode, body)
	}
	for _, id := range ids.IDs {
		waitFor(t, 20*time.Second, func() bool {
			req, _ := http.NewRequest("GET", base+"/v1/jobs/"+id, nil)
			req.Header.Set("Authorization", "Bearer test-token")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var st struct{ State string }
			_ = json.NewDecoder(resp.Body).Decode(&st)
			return st.State == "completed"
		})
	}
}
