package worker

import (
	"time"

	"github.com/crawler-service/crawler/internal/queue"
)

const (
	// aheadFor is how far ahead of its slots the reader reads, in time at
	// the slots' recent pace: several Redis round trips (and the reader's
	// wait for a CPU on a busy machine), yet short enough that a delivery
	// read ahead waits about that long before a slot takes it.
	aheadFor = 10 * time.Millisecond
	// paceWindow is how often the reader measures that pace.
	paceWindow = 100 * time.Millisecond
)

// readAhead holds deliveries read before a slot was free for them, so a
// slot whose fetch ends starts its next job at once instead of waiting
// for the reader to come back from its current read and make another
// round trip to Redis. Only the reader puts; a slot that frees takes
// (and so does the reader, for slots it finds free).
//
// It holds what the slots start within aheadFor at the pace of the last
// paceWindow, at most a quarter of the slots: a worker whose jobs take
// seconds reads nothing ahead and keeps no job from other workers. One
// that ran fast and then stalled may hold a few for longer; any that
// waited past a third of a lease are given back, not run, since
// housekeeping extends only running jobs' leases.
type readAhead struct {
	ready chan early    // capacity: the most it may hold
	taken chan struct{} // capacity 1: a slot took one, the reader may refill
	stale time.Duration

	// The reader's own.
	depth     int // how many to hold now
	paceStart time.Time
	paceCount int // deliveries read since paceStart
}

// early is a delivery read ahead, with the time it was read.
type early struct {
	d    queue.Delivery
	read time.Time
}

func newReadAhead(concurrency int, lease time.Duration) *readAhead {
	return &readAhead{
		ready: make(chan early, max(1, concurrency/4)),
		taken: make(chan struct{}, 1),
		stale: lease / 3,
	}
}

// wake is what the reader waits on besides a free slot: nothing while it
// reads nothing ahead.
func (a *readAhead) wake() <-chan struct{} {
	if a.depth == 0 {
		return nil
	}
	return a.taken
}

// room is how many more deliveries the reader should read ahead. Unless it
// reads anyway (for free slots), it waits until a quarter of them are
// gone, so that refills come a few at a time, not a round trip per job.
func (a *readAhead) room(reading bool) int {
	r := a.depth - len(a.ready)
	if !reading && r < max(1, a.depth/4) {
		return 0
	}
	return max(0, r)
}

// put holds ds, read at read. The reader puts at most room, and only it
// puts, so the channel has space: takers only make more.
func (a *readAhead) put(ds []queue.Delivery, read time.Time) {
	for _, d := range ds {
		a.ready <- early{d: d, read: read}
	}
}

// take returns the oldest delivery held, if any, and the stale ones it
// passed over, which the caller gives back.
func (a *readAhead) take() (d queue.Delivery, stale []queue.Delivery, ok bool) {
	for {
		select {
		case e := <-a.ready:
			if time.Since(e.read) > a.stale {
				stale = append(stale, e.d)
				continue
			}
			return e.d, stale, true
		default:
			return queue.Delivery{}, stale, false
		}
	}
}

// poke tells the reader a slot took a delivery, so it may refill.
func (a *readAhead) poke() {
	select {
	case a.taken <- struct{}{}:
	default:
	}
}

// paced counts n deliveries read at now and, once a paceWindow, sets how
// many to hold from the pace since the last time.
func (a *readAhead) paced(n int, now time.Time) {
	a.paceCount += n
	if a.paceStart.IsZero() {
		a.paceStart = now
	}
	if el := now.Sub(a.paceStart); el >= paceWindow {
		a.depth = min(cap(a.ready), int(time.Duration(a.paceCount)*aheadFor/el))
		a.paceStart, a.paceCount = now, 0
	}
}

// drain takes every delivery held, stale or not.
func (a *readAhead) drain() []queue.Delivery {
	var ds []queue.Delivery
	for {
		select {
		case e := <-a.ready:
			ds = append(ds, e.d)
		default:
			return ds
		}
	}
}
