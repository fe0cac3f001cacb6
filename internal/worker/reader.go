package worker

import (
	"context"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/crawler-service/crawler/internal/queue"
)

// Read error backoff: from a blip to a Redis restart without hammering it.
const (
	readBackoffMin = 100 * time.Millisecond
	readBackoffMax = 5 * time.Second
)

// readLoop fills free slots until ctx ends. One reader serves every slot:
// it reads as many jobs as there are free slots in one call, so a busy
// queue costs one round trip per batch rather than one per job. While jobs
// come fast it also reads a few ahead (readAhead), so a slot that frees
// need not wait for that round trip.
//
// When a read comes back empty with every slot free, the worker has been
// idle for a whole read block. If it ran jobs since it last went idle, it
// drops the burst's keep-alive connections; after the next empty read,
// when their goroutines and buffers are gone, it hands the heap the burst
// grew back to the OS (one forced GC per busy-to-idle change, nothing
// while jobs keep coming), so an idle worker's RSS returns to near its
// size at start.
func (w *Worker) readLoop(ctx context.Context) {
	ra := newReadAhead(w.cfg.Concurrency, w.cfg.Lease)
	// What no slot took goes back at the stop: slots take nothing once
	// ctx has ended, and only this loop puts.
	defer func() { w.giveBack(ra.drain()) }()
	backoff := readBackoffMin
	const (
		busy   = iota + 1 // ran jobs since it was last idle
		closed            // dropped connections; the heap goes next
	)
	idleStep := 0
	for {
		w.lastLoop.Store(time.Now().UnixNano())
		n, ok := w.acquireSlots(ctx, ra.wake())
		if !ok {
			return
		}
		n -= w.startAhead(ctx, ra, n)
		want := n + ra.room(n > 0)
		if want == 0 {
			continue
		}
		asked := time.Now()
		ds, err := w.read(ctx, want)
		if ctx.Err() != nil {
			// Read was not cancelled (a cancelled XREADGROUP may lose a
			// delivered reply), so it may have brought jobs after the stop.
			w.giveBack(ds)
			w.freeSlots(n)
			return
		}
		if err != nil {
			w.freeSlots(n)
			w.log.Warn("queue read failed; retrying", "error", err, "backoff", backoff)
			if !sleepCtx(ctx.Done(), backoff) {
				return
			}
			backoff = min(2*backoff, readBackoffMax)
			continue
		}
		backoff = readBackoffMin
		ra.paced(len(ds), asked)
		switch {
		case len(ds) > 0:
			idleStep = busy
		case n < w.cfg.Concurrency: // a job still holds a slot: not idle yet
		case idleStep == busy:
			w.closeIdle()
			idleStep = closed
		case idleStep == closed:
			// sync.Pool keeps what it held through one collection (its
			// victim cache), so one GC first empties the pools and
			// FreeOSMemory's own GC then frees what they held.
			runtime.GC()
			debug.FreeOSMemory()
			idleStep = 0
		}
		k := min(n, len(ds))
		for _, d := range ds[:k] {
			w.start(ctx, ra, d)
		}
		ra.put(ds[k:], asked)
		w.freeSlots(n - k)
	}
}

// read calls Read on a context that outlives ctx by the read's own block,
// so a stop never drops jobs Redis has already handed over, while a hung
// Redis still cannot hold shutdown for long.
func (w *Worker) read(ctx context.Context, n int) ([]queue.Delivery, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readBlock+redisOpTimeout)
	defer cancel()
	return w.q.Read(rctx, w.cfg.ID, n, readBlock)
}

// acquireSlots waits for one free slot, or for wake, then takes every
// other free slot.
func (w *Worker) acquireSlots(ctx context.Context, wake <-chan struct{}) (int, bool) {
	n := 0
	select {
	case w.slots <- struct{}{}:
		n = 1
	case <-wake:
	case <-ctx.Done():
		return 0, false
	}
	for n < w.cfg.Concurrency {
		select {
		case w.slots <- struct{}{}:
			n++
		default:
			return n, true
		}
	}
	return n, true
}

// startAhead starts jobs read ahead on up to n slots the reader holds and
// returns how many it started.
func (w *Worker) startAhead(ctx context.Context, ra *readAhead, n int) int {
	started := 0
	for started < n {
		d, stale, ok := ra.take()
		w.giveBack(stale)
		if !ok {
			break
		}
		w.start(ctx, ra, d)
		started++
	}
	return started
}

// start runs d on a slot already taken for it.
func (w *Worker) start(ctx context.Context, ra *readAhead, d queue.Delivery) {
	w.jobs.Add(1)
	go w.slot(ctx, ra, d)
}

func (w *Worker) freeSlots(n int) {
	for range n {
		<-w.slots
	}
}

// giveBack releases deliveries read during shutdown, or read ahead and
// left too long.
func (w *Worker) giveBack(ds []queue.Delivery) {
	if len(ds) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(w.redis, redisOpTimeout)
	defer cancel()
	if err := w.q.Release(ctx, ds); err != nil {
		// They come back to another worker when their lease runs out.
		w.log.Warn("release jobs read during shutdown", "count", len(ds), "error", err)
	}
}

// slot runs one job. The slot is held while the job fetches; storing its
// outcome happens off the slot, so the next job (one read ahead, when there
// is one) starts fetching while this one's result rides a shared round trip
// to Redis. At most Concurrency outcomes wait for Redis at once: a stalled
// Redis holds the slots and so stops intake. With an interval, the slot is
// held through the outcome and the pause.
func (w *Worker) slot(ctx context.Context, ra *readAhead, d queue.Delivery) {
	defer w.jobs.Done()
	held := true
	w.process(d, func() {
		if w.cfg.Interval == 0 {
			w.settling <- struct{}{}
			held = false
			w.freeSlot(ctx, ra)
		}
	})
	if !held {
		<-w.settling
		return
	}
	sleepCtx(ctx.Done(), w.cfg.Interval)
	w.freeSlot(ctx, ra)
}

// freeSlot hands the slot to the next job read ahead, unless the worker is
// stopping or none is there; then it frees the slot for the reader.
func (w *Worker) freeSlot(ctx context.Context, ra *readAhead) {
	if ctx.Err() == nil {
		d, stale, ok := ra.take()
		w.giveBack(stale)
		if ok {
			ra.poke()
			w.start(ctx, ra, d)
			return
		}
	}
	<-w.slots
}
