package worker

import (
	"context"
	"time"
)

// housekeep keeps the worker's standing in Redis and in the metrics until
// stop closes: the liveness mark the publisher counts, the heartbeat
// metric, and the leases of in-flight jobs (so a long job is not
// reclaimed and run twice). It runs on through the drain, when leases
// matter most.
func (w *Worker) housekeep(stop <-chan struct{}) {
	ctx := context.WithoutCancel(w.jobBase)
	w.markAlive(ctx)
	w.rec.Heartbeat(ctx)

	live := time.NewTicker(w.cfg.LivenessInterval)
	defer live.Stop()
	beat := time.NewTicker(w.cfg.HeartbeatInterval)
	defer beat.Stop()
	extend := time.NewTicker(max(w.cfg.Lease/3, time.Millisecond))
	defer extend.Stop()
	for {
		select {
		case <-stop:
			return
		case <-live.C:
			w.markAlive(ctx)
		case <-beat.C:
			w.rec.Heartbeat(ctx)
		case <-extend.C:
			w.extendLeases(ctx)
		}
	}
}

func (w *Worker) markAlive(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	info := w.info
	info.InFlight = w.inflight.len()
	if err := w.q.Heartbeat(ctx, info, 3*w.cfg.LivenessInterval); err != nil {
		w.log.Warn("liveness heartbeat failed", "error", err)
	}
}

func (w *Worker) extendLeases(ctx context.Context) {
	held := w.inflight.held()
	if len(held) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	lost, err := w.q.Extend(ctx, w.cfg.ID, held)
	if err != nil {
		// The next tick tries again; a lease is three ticks long.
		w.log.Warn("extend leases failed", "count", len(held), "error", err)
		return
	}
	for _, d := range lost {
		w.log.Warn("lease lost; cancelling job", "job_id", d.Job.ID)
	}
	w.inflight.markLost(lost)
}
