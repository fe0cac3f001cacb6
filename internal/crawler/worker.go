package crawler

import "time"

// WorkerInfo is what a live worker last told about itself, with its
// heartbeat: GET /v1/workers.
type WorkerInfo struct {
	ID string `json:"id"`
	// Process is the process kind it runs in: "worker" or "all".
	Process     string `json:"process"`
	Host        string `json:"host"`
	PID         int    `json:"pid"`
	Concurrency int    `json:"concurrency"`
	// InFlight is how many jobs it held at its last heartbeat.
	InFlight int `json:"in_flight"`
	// Methods are the fetch methods it can run (browser or not).
	Methods    []Method  `json:"methods"`
	Version    string    `json:"version"`
	StartedAt  time.Time `json:"started_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}
