package worker

import (
	"context"
	"sync"

	"github.com/crawler-service/crawler/internal/queue"
)

// running is one in-flight job.
type running struct {
	d      queue.Delivery
	cancel context.CancelFunc
	lost   bool // the queue says another worker holds it now
}

// inflight tracks running jobs by stream id, so housekeeping can extend
// their leases and shutdown can give back what is left. Exactly one of the
// job itself (finish) and shutdown (takeAll) removes an entry, and only
// the remover settles the delivery.
type inflight struct {
	mu   sync.Mutex
	jobs map[string]*running
}

func (f *inflight) add(d queue.Delivery, cancel context.CancelFunc) {
	f.mu.Lock()
	f.jobs[d.StreamID] = &running{d: d, cancel: cancel}
	f.mu.Unlock()
}

// finish removes the job's entry. owned is false when shutdown took it
// first; lost is true when its lease went to another worker.
func (f *inflight) finish(streamID string) (owned, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.jobs[streamID]
	if !ok {
		return false, false
	}
	delete(f.jobs, streamID)
	return true, r.lost
}

// held returns the deliveries whose lease is still ours.
func (f *inflight) held() []queue.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	ds := make([]queue.Delivery, 0, len(f.jobs))
	for _, r := range f.jobs {
		if !r.lost {
			ds = append(ds, r.d)
		}
	}
	return ds
}

// markLost cancels jobs whose lease was lost: their results would be
// duplicates of the new holder's.
func (f *inflight) markLost(ds []queue.Delivery) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range ds {
		if r, ok := f.jobs[d.StreamID]; ok {
			r.lost = true
			r.cancel()
		}
	}
}

// takeAll removes every entry whose lease is still ours and returns its
// delivery.
func (f *inflight) takeAll() []queue.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	ds := make([]queue.Delivery, 0, len(f.jobs))
	for id, r := range f.jobs {
		if !r.lost {
			ds = append(ds, r.d)
		}
		delete(f.jobs, id)
	}
	return ds
}

func (f *inflight) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.jobs)
}
