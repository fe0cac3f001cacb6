package browser

import (
	"errors"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"every strategy", Config{WaitUntil: WaitSelector}, true},
		{"negative concurrency", Config{Concurrency: -1}, false},
		{"negative launch timeout", Config{LaunchTimeout: -time.Second}, false},
		{"negative selector wait", Config{SelectorWait: -time.Second}, false},
		{"negative max bytes", Config{MaxBytes: -1}, false},
		{"negative max page bytes", Config{MaxPageBytes: -1}, false},
		{"page budget below a document's", Config{MaxBytes: 2 << 20, MaxPageBytes: 1 << 20}, false},
		{"page budget below the default document's", Config{MaxPageBytes: 1 << 20}, false},
		{"page budget of one document", Config{MaxBytes: 1 << 20, MaxPageBytes: 1 << 20}, true},
		{"unknown strategy", Config{WaitUntil: "domcontentloaded"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := New(tt.cfg)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				_ = f.Close()
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := Config{}.withDefaults()
	if c.Concurrency != 2 || c.WaitUntil != WaitSelector || c.SelectorWait != 5*time.Second ||
		c.MaxBytes != 5<<20 || c.MaxPageBytes != 25<<20 || c.LoadResources || c.Resolver == nil || c.Logger == nil {
		t.Errorf("defaults %+v", c)
	}
	if c.ExecutablePath != "/usr/lib/chromium/chromium" && c.ExecutablePath != "/usr/bin/chromium" {
		t.Errorf("executable %q", c.ExecutablePath)
	}
	if c := (Config{MaxBytes: 1 << 20}).withDefaults(); c.MaxPageBytes != 5<<20 {
		t.Errorf("MaxPageBytes %d for MaxBytes 1 MiB, want 5 MiB", c.MaxPageBytes)
	}
	if want := "/.cache/ms-playwright-go/" + DriverVersion; len(c.DriverPath) < len(want) || c.DriverPath[len(c.DriverPath)-len(want):] != want {
		t.Errorf("driver path %q, want it to end in %s", c.DriverPath, want)
	}
}
