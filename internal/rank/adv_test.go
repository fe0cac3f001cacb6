package rank

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Pages built to make the extractor slow must stay cheap: a worker cannot
// be parked for minutes by one page.
func TestPathologicalPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		page      string
		wantParse bool
	}{
		{"nested deeper than 512", strings.Repeat("<div class=i>x", 20000), true},
		{"deep nest of items over much text", strings.Repeat("<div class=i>", 500) + strings.Repeat("lorem ipsum ", 100000), false},
		{"many flat items", strings.Repeat("<p class=i>lorem ipsum</p>", 100000), false},
		{"formatting soup", strings.Repeat("<b><i><u>x</b></i></u>", 20000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := Extract(context.Background(), []byte(tt.page), nil, mustCompile(t, ".i", "absent"))
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %s on %d bytes", d, len(tt.page))
			}
			var fe *crawler.FetchError
			if tt.wantParse != (errors.As(err, &fe) && fe.Type == crawler.ErrParse) {
				t.Fatalf("err = %v, want parse error: %v", err, tt.wantParse)
			}
		})
	}
}
