package otel

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// TestErrorHandlerRateLimits: one JSON line per distinct message per
// interval, whatever its digits, and the next line counts what was held
// back.
func TestErrorHandlerRateLimits(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewErrorHandler(slog.New(slog.NewJSONHandler(&buf, nil)), time.Minute)
	now := time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC)
	h.now = func() time.Time { return now }

	for i := range 5 {
		h.Handle(errors.New("cloudwatch: export: not delivered, kept for retry: request " + string(rune('0'+i))))
	}
	h.Handle(errors.New("another failure"))
	now = now.Add(time.Minute)
	h.Handle(errors.New("cloudwatch: export: not delivered, kept for retry: request 9"))

	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %v", len(lines), lines)
	}
	if lines[0]["suppressed"] != nil || lines[1]["err"] != "another failure" {
		t.Errorf("first lines = %v", lines[:2])
	}
	if lines[2]["suppressed"] != float64(4) {
		t.Errorf("line after the interval = %v, want suppressed 4", lines[2])
	}
}
