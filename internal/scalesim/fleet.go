package scalesim

import (
	"math"
	"math/rand/v2"
	"time"
)

// queue is the FIFO of waiting jobs, kept as runs of jobs enqueued in the
// same second so a day of load stays small.
type queue struct {
	runs  []run
	head  int
	total int
}

type run struct {
	at int64 // second the jobs were enqueued
	n  int
}

func (q *queue) push(at int64, n int) {
	if n <= 0 {
		return
	}
	q.total += n
	if last := len(q.runs) - 1; last >= q.head && q.runs[last].at == at {
		q.runs[last].n += n
		return
	}
	if last := len(q.runs) - 1; last < q.head || q.runs[last].at < at {
		q.runs = append(q.runs, run{at, n})
		return
	}
	// Jobs given back or reclaimed are older than the newest: keep order.
	i := q.head
	for i < len(q.runs) && q.runs[i].at < at {
		i++
	}
	if i < len(q.runs) && q.runs[i].at == at {
		q.runs[i].n += n
		return
	}
	q.runs = append(q.runs, run{})
	copy(q.runs[i+1:], q.runs[i:])
	q.runs[i] = run{at, n}
}

func (q *queue) pop() (int64, bool) {
	if q.total == 0 {
		return 0, false
	}
	r := &q.runs[q.head]
	at := r.at
	r.n--
	q.total--
	if r.n == 0 {
		q.head++
		if q.head > 1024 && q.head*2 > len(q.runs) {
			q.runs = append(q.runs[:0], q.runs[q.head:]...)
			q.head = 0
		}
	}
	return at, true
}

func (q *queue) oldest(now int64) float64 {
	if q.total == 0 {
		return 0
	}
	return float64(now - q.runs[q.head].at)
}

type taskState int

const (
	starting taskState = iota
	running
	draining
	dead // crashed: gone, but its heartbeat has not expired yet
)

// task is one worker: an ECS task, or one of the EC2 host's base workers.
type task struct {
	ecs       bool
	state     taskState
	readyAt   int64 // starting → running
	since     int64 // running since
	stopBy    int64 // draining deadline
	liveUntil int64 // dead: heartbeat expiry
	slots     []slot
}

type slot struct {
	busy  bool
	until float64 // seconds
	enq   int64
}

func (t *task) active() int {
	n := 0
	for _, s := range t.slots {
		if s.busy {
			n++
		}
	}
	return n
}

// serve runs the task's slots through the second [now, now+1): finished
// jobs free their slot at their exact finish time and, unless the task is
// draining, take the next job from that moment, so whole-second steps lose
// no throughput.
func (t *task) serve(now int64, q *queue, jobTime func() float64) (done int) {
	end := float64(now + 1)
	for i := range t.slots {
		s := &t.slots[i]
		for {
			start := float64(now)
			if s.busy {
				if s.until >= end {
					break
				}
				done++
				s.busy = false
				start = math.Max(start, s.until)
			}
			if t.state != running {
				break
			}
			at, ok := q.pop()
			if !ok {
				break
			}
			s.busy, s.until, s.enq = true, start+jobTime(), at
		}
	}
	return done
}

// giveBack returns the task's in-flight jobs to the queue (or to reclaim
// when the task crashed).
func (t *task) giveBack(put func(enq int64)) {
	for i := range t.slots {
		if t.slots[i].busy {
			put(t.slots[i].enq)
			t.slots[i].busy = false
		}
	}
}

// draws are the model's random choices from one seeded source.
type draws struct {
	r         *rand.Rand
	w         World
	arrivalAt float64 // fractional arrivals carried between seconds
}

func newDraws(w World) *draws {
	return &draws{r: rand.New(rand.NewPCG(w.Seed, w.Seed^0x9e3779b97f4a7c15)), w: w}
}

func (d *draws) jobTime() float64 {
	j := d.w.JobJitter
	return d.w.JobTime.Seconds() * (1 + j*(2*d.r.Float64()-1))
}

func (d *draws) startLatency() int64 {
	lo, hi := d.w.StartMin.Seconds(), d.w.StartMax.Seconds()
	return int64(math.Round(lo + (hi-lo)*d.r.Float64()))
}

func (d *draws) arrivals(rate float64, poisson bool) int {
	if rate <= 0 {
		return 0
	}
	if !poisson {
		d.arrivalAt += rate
		n := math.Floor(d.arrivalAt)
		d.arrivalAt -= n
		return int(n)
	}
	if rate > 30 {
		return max(0, int(math.Round(rate+math.Sqrt(rate)*d.r.NormFloat64())))
	}
	l, k, p := math.Exp(-rate), 0, 1.0
	for {
		p *= d.r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }
