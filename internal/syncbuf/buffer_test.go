package syncbuf_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/crawler-service/crawler/internal/syncbuf"
)

// Writers and a reader at once (run with -race): nothing is lost or torn.
func TestConcurrentWritesAndReads(t *testing.T) {
	t.Parallel()
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&b, "w%d-%d\n", i, j)
			}
		})
	}
	wg.Go(func() {
		for range 100 {
			_ = b.String()
		}
	})
	wg.Wait()
	if lines := strings.Count(b.String(), "\n"); lines != 800 {
		t.Errorf("%d lines, want 800", lines)
	}
	got := b.Bytes()
	got[0] = 'X'
	if b.String()[0] == 'X' {
		t.Error("Bytes returned the buffer itself, not a copy")
	}
}
