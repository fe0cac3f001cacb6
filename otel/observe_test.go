package otel_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
	"github.com/crawler-service/crawler/otel/cwmetric"
)

// Every sink is read into one shape, stats, so exporters can be compared:
// per CloudWatch metric and dimension values, how many samples (histograms)
// and their sum (histograms and counters; a counter's count stays 0, as no
// exporter carries how many Adds made it).
type statKey struct {
	metric string // CloudWatch name
	dims   string // "Method=http,Status=success", sorted by name
}

type stat struct{ count, sum float64 }

type stats map[statKey]stat

func (s stats) add(k statKey, count, sum float64) {
	v := s[k]
	v.count += count
	v.sum += sum
	s[k] = v
}

func (s stats) String() string {
	var b strings.Builder
	for _, k := range slices.SortedFunc(maps.Keys(s), func(a, b statKey) int {
		return strings.Compare(a.metric+" "+a.dims, b.metric+" "+b.dims)
	}) {
		fmt.Fprintf(&b, "\n  %s{%s} count=%g sum=%g", k.metric, k.dims, s[k].count, s[k].sum)
	}
	return b.String()
}

// equalStats reports the first difference between two stats, with a
// tolerance for the float sums that went through different arithmetic.
func equalStats(a, b stats) error {
	if !slices.Equal(sortedKeys(a), sortedKeys(b)) {
		return fmt.Errorf("series differ:%s\nvs%s", a, b)
	}
	for k, va := range a {
		vb := b[k]
		if va.count != vb.count || math.Abs(va.sum-vb.sum) > 1e-9*math.Max(1, math.Abs(va.sum)) {
			return fmt.Errorf("%s{%s}: count %g sum %g vs count %g sum %g", k.metric, k.dims, va.count, va.sum, vb.count, vb.sum)
		}
	}
	return nil
}

func sortedKeys(s stats) []string {
	var out []string
	for k := range s {
		out = append(out, k.metric+"{"+k.dims+"}")
	}
	slices.Sort(out)
	return out
}

func dimsKey(kvs map[string]string) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(kvs)) {
		parts = append(parts, name+"="+kvs[name])
	}
	return strings.Join(parts, ",")
}

// project files one OpenTelemetry point under every dimension set its rule
// publishes it in, the way CloudWatch rolls it up.
func project(rules []cwmetric.Rule, instrument string, attrs map[string]string, count, sum float64, into stats) {
	for _, r := range rules {
		if r.Instrument != instrument {
			continue
		}
		byName := map[string]string{}
		for _, d := range r.Dimensions {
			byName[d.Name] = d.Attribute
		}
		for _, set := range r.DimensionSets {
			kvs := map[string]string{}
			for _, name := range set {
				kvs[name] = attrs[byName[name]]
			}
			into.add(statKey{r.Name, dimsKey(kvs)}, count, sum)
		}
	}
}

// cloudWatchStats reads the fake CloudWatch's datums: a histogram is Values
// weighted by Counts, a counter its Value.
func cloudWatchStats(ds []cloudwatchtest.Datum) stats {
	out := stats{}
	for _, d := range ds {
		kvs := map[string]string{}
		for _, dim := range d.Dimensions {
			kvs[dim.Name] = dim.Value
		}
		k := statKey{d.MetricName, dimsKey(kvs)}
		switch {
		case d.Value != nil:
			out.add(k, 0, *d.Value)
		default:
			var count, sum float64
			for i, v := range d.Values {
				c := 1.0
				if i < len(d.Counts) {
					c = d.Counts[i]
				}
				count += c
				sum += v * c
			}
			out.add(k, count, sum)
		}
	}
	return out
}

// emfStats reads EMF lines: each metric of each dimension set, a plain
// number or an array of them (counter), or a Values/Counts object whose Count and Sum must agree
// with its arrays.
func emfStats(t *testing.T, lines []map[string]any) stats {
	t.Helper()
	out := stats{}
	for _, doc := range lines {
		aws := doc["_aws"].(map[string]any)
		for _, d := range aws["CloudWatchMetrics"].([]any) {
			def := d.(map[string]any)
			for _, m := range def["Metrics"].([]any) {
				name := m.(map[string]any)["Name"].(string)
				for _, set := range def["Dimensions"].([]any) {
					kvs := map[string]string{}
					for _, dn := range set.([]any) {
						kvs[dn.(string)] = fmt.Sprint(doc[dn.(string)])
					}
					k := statKey{name, dimsKey(kvs)}
					switch v := doc[name].(type) {
					case float64:
						out.add(k, 0, v)
					case []any: // points that differ only outside this metric's dimensions
						for _, x := range v {
							out.add(k, 0, x.(float64))
						}
					case map[string]any:
						var n, s float64
						counts, values := v["Counts"].([]any), v["Values"].([]any)
						for i := range values {
							n += counts[i].(float64)
							s += values[i].(float64) * counts[i].(float64)
						}
						if n != v["Count"].(float64) || math.Abs(s-v["Sum"].(float64)) > 1e-9*math.Max(1, s) {
							t.Errorf("EMF %s: Values/Counts give count %g sum %g, fields say %v %v", name, n, s, v["Count"], v["Sum"])
						}
						out.add(k, v["Count"].(float64), v["Sum"].(float64))
					default:
						t.Errorf("EMF %s: value %#v", name, doc[name])
					}
				}
			}
		}
	}
	return out
}

// promStats reads a scrape; promNames maps a Prometheus family to its
// instrument, labels are attribute keys with dots as underscores.
func promStats(mfs map[string]*dto.MetricFamily, rules []cwmetric.Rule, promNames map[string]string) stats {
	out := stats{}
	for family, instrument := range promNames {
		for _, m := range mfs[family].GetMetric() {
			attrs := map[string]string{}
			for _, r := range rules {
				for _, d := range r.Dimensions {
					if v, ok := labels(m)[strings.ReplaceAll(d.Attribute, ".", "_")]; ok {
						attrs[d.Attribute] = v
					}
				}
			}
			if h := m.GetHistogram(); h != nil {
				project(rules, instrument, attrs, float64(h.GetSampleCount()), h.GetSampleSum(), out)
			} else {
				project(rules, instrument, attrs, 0, m.GetCounter().GetValue(), out)
			}
		}
	}
	return out
}

// consoleDoc is the part of stdoutmetric's JSON the tests read.
type consoleDoc struct {
	ScopeMetrics []struct {
		Metrics []struct {
			Name string
			Data struct {
				Temporality string
				DataPoints  []struct {
					Attributes []struct {
						Key   string
						Value struct{ Value any }
					}
					Count *float64
					Sum   float64
					Value float64
				}
			}
		}
	}
}

// consoleDocs decodes the console exporter's output, one document per
// export.
func consoleDocs(t *testing.T, b []byte) []consoleDoc {
	t.Helper()
	var out []consoleDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var d consoleDoc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("console output: %v\n%s", err, b)
		}
		out = append(out, d)
	}
}

// consoleStats reads one (cumulative) console document.
func consoleStats(doc consoleDoc, rules []cwmetric.Rule) stats {
	out := stats{}
	for _, sm := range doc.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, dp := range m.Data.DataPoints {
				attrs := map[string]string{}
				for _, a := range dp.Attributes {
					attrs[a.Key] = fmt.Sprint(a.Value.Value)
				}
				if dp.Count != nil {
					project(rules, m.Name, attrs, *dp.Count, dp.Sum, out)
				} else {
					project(rules, m.Name, attrs, 0, dp.Value, out)
				}
			}
		}
	}
	return out
}

// otlpStats reads one (cumulative) OTLP export.
func otlpStats(rms []*metricpb.ResourceMetrics, rules []cwmetric.Rule) stats {
	out := stats{}
	for _, rm := range rms {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				for _, dp := range m.GetHistogram().GetDataPoints() {
					project(rules, m.GetName(), otlpAttrs(dp.GetAttributes()), float64(dp.GetCount()), dp.GetSum(), out)
				}
				for _, dp := range m.GetSum().GetDataPoints() {
					v := dp.GetAsDouble() + float64(dp.GetAsInt())
					project(rules, m.GetName(), otlpAttrs(dp.GetAttributes()), 0, v, out)
				}
			}
		}
	}
	return out
}
