package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// sample is one element of an instant query's result.
type sample struct {
	Labels map[string]string
	Value  float64
}

// promQuery runs an instant query at a given time through Prometheus's HTTP
// API, the way Grafana does.
func promQuery(ctx context.Context, base, expr string, at time.Time) ([]sample, error) {
	q := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: decode: %w", expr, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	switch body.Data.ResultType {
	case "vector":
		var v []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(body.Data.Result, &v); err != nil {
			return nil, fmt.Errorf("query %q: %w", expr, err)
		}
		out := make([]sample, 0, len(v))
		for _, s := range v {
			f, err := parseValue(s.Value[1])
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", expr, err)
			}
			out = append(out, sample{Labels: s.Metric, Value: f})
		}
		return out, nil
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(body.Data.Result, &v); err != nil {
			return nil, fmt.Errorf("query %q: %w", expr, err)
		}
		f, err := parseValue(v[1])
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", expr, err)
		}
		return []sample{{Value: f}}, nil
	}
	return nil, fmt.Errorf("query %q: result type %q, want vector or scalar", expr, body.Data.ResultType)
}

func parseValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("value %v is not a string", v)
	}
	return strconv.ParseFloat(s, 64)
}

// finite reports whether every sample has a real number: a panel of NaN
// (a quantile of no observations, a ratio of zero rates) shows nothing.
func finite(ss []sample) bool {
	for _, s := range ss {
		if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			return false
		}
	}
	return true
}

// total sums an instant query's samples.
func total(ss []sample) float64 {
	var n float64
	for _, s := range ss {
		n += s.Value
	}
	return n
}
