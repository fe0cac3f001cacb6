package otel_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/otel"
)

func TestParseExporters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		list    string
		want    []string
		wantErr error
	}{
		{name: "empty means prometheus", list: "", want: []string{"prometheus"}},
		{name: "only commas and spaces", list: " , ,", want: []string{"prometheus"}},
		{name: "one", list: "emf", want: []string{"emf"}},
		{name: "list keeps order", list: "cloudwatch,prometheus,otlp", want: []string{"cloudwatch", "prometheus", "otlp"}},
		{name: "spaces", list: "  prometheus ,  console ", want: []string{"prometheus", "console"}},
		{name: "case", list: "Prometheus,CLOUDWATCH,Emf", want: []string{"prometheus", "cloudwatch", "emf"}},
		{name: "duplicates", list: "emf,prometheus,EMF, emf", want: []string{"emf", "prometheus"}},
		{name: "empty items", list: "otlp,,console,", want: []string{"otlp", "console"}},
		{name: "none alone", list: "none", want: []string{"none"}},
		{name: "none twice", list: "none, NONE", want: []string{"none"}},
		{name: "every name", list: "prometheus,cloudwatch,emf,otlp,console", want: []string{"prometheus", "cloudwatch", "emf", "otlp", "console"}},
		{name: "none with another", list: "none,prometheus", wantErr: otel.ErrNoneCombined},
		{name: "another with none", list: "emf,none", wantErr: otel.ErrNoneCombined},
		{name: "unknown", list: "prometheus,statsd", wantErr: otel.ErrUnknownExporter},
		{name: "unknown alone", list: "jaeger", wantErr: otel.ErrUnknownExporter},
		{name: "logging is not console", list: "logging", wantErr: otel.ErrUnknownExporter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := otel.ParseExporters(tt.list)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseExporters(%q) error = %v, want %v", tt.list, err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("ParseExporters(%q) = %v with an error, want nil", tt.list, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseExporters(%q): %v", tt.list, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseExporters(%q) = %v, want %v", tt.list, got, tt.want)
			}
		})
	}
}

// The error for an unknown name is the whole help a user gets: it must name
// what was wrong and every valid choice.
func TestParseExportersUnknownListsValidNames(t *testing.T) {
	t.Parallel()
	_, err := otel.ParseExporters("prometheus,statsd")
	if err == nil {
		t.Fatal("no error for statsd")
	}
	msg := err.Error()
	if !strings.Contains(msg, `"statsd"`) {
		t.Errorf("error %q does not name the unknown exporter", msg)
	}
	for _, name := range otel.ExporterNames {
		if !strings.Contains(msg, name) {
			t.Errorf("error %q does not list %q", msg, name)
		}
	}
	if len(otel.ExporterNames) != 6 {
		t.Errorf("ExporterNames = %v, want the six the product documents", otel.ExporterNames)
	}
}
