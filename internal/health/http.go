package health

import (
	"encoding/json"
	"net/http"
)

type body struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// Handler answers GET /healthz: 200 {"status":"ok"}, or 503
// {"status":"unhealthy","reason":"..."}.
func (c *Checker) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s := c.Status()
		code, b := http.StatusOK, body{Status: "ok"}
		if !s.Healthy {
			code, b = http.StatusServiceUnavailable, body{Status: "unhealthy", Reason: s.Reason}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(b)
	})
}
