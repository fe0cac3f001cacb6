package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// roundBatch bounds how many completions share one round trip.
const roundBatch = 512

// roundTimeout bounds a round, which no single caller's ctx may cancel.
const roundTimeout = 5 * time.Second

// rounds combines concurrent Complete and Read calls into shared round
// trips: callers queue their request, and whoever takes the single slot
// sends everything queued (completions first, then one non-blocking
// XREADGROUP per consumer) in one pipeline, while the next round gathers.
// A worker's slot that finishes a job and asks for the next one thus rides
// the same round trip as its neighbours. Nothing runs in the background:
// every queued request has its caller waiting to take the slot.
//
// One round at a time gives the largest batches; two at once measured
// slower on 2 cores (more, smaller round trips competing for the CPUs).
type rounds struct {
	mu      sync.Mutex
	commits []*completion
	reads   []*readReq
	slot    chan struct{} // capacity 1
}

type completion struct {
	d      Delivery
	record []byte     // encoded by the caller, in parallel, not by the round's sender
	entry  []byte     // schedule result, or nil
	done   chan error // buffered, so the sender never waits
}

type readReq struct {
	consumer string
	n        int
	out      chan readResult // buffered
}

type readResult struct {
	msgs   []redis.XMessage
	paused bool // the queue's pause flag, read in the same MULTI
	err    error
}

func newRounds() *rounds { return &rounds{slot: make(chan struct{}, 1)} }

// awaitCommit queues c and waits for its round. When ctx ends before c was
// sent, c is withdrawn and nothing is written.
func (q *Queue) awaitCommit(ctx context.Context, c *completion) error {
	r := q.rounds
	r.mu.Lock()
	r.commits = append(r.commits, c)
	r.mu.Unlock()
	for {
		select {
		case err := <-c.done:
			return err
		case r.slot <- struct{}{}:
			q.sendRound(ctx)
			<-r.slot
		case <-ctx.Done():
			if withdraw(&r.mu, &r.commits, c) {
				return ctx.Err()
			}
			return <-c.done // already on the wire; bounded by the client's timeouts
		}
	}
}

// awaitRead queues a non-blocking read and waits for its round. Entries a
// round delivered are returned even if ctx ended meanwhile: they are
// already pending for the consumer.
func (q *Queue) awaitRead(ctx context.Context, req *readReq) ([]redis.XMessage, bool, error) {
	r := q.rounds
	r.mu.Lock()
	r.reads = append(r.reads, req)
	r.mu.Unlock()
	for {
		select {
		case res := <-req.out:
			return res.msgs, res.paused, res.err
		case r.slot <- struct{}{}:
			q.sendRound(ctx)
			<-r.slot
		case <-ctx.Done():
			if withdraw(&r.mu, &r.reads, req) {
				return nil, false, ctx.Err()
			}
			res := <-req.out
			return res.msgs, res.paused, res.err
		}
	}
}

// sendRound sends one round: the oldest roundBatch completions and every
// queued read.
func (q *Queue) sendRound(ctx context.Context) {
	r := q.rounds
	r.mu.Lock()
	n := min(len(r.commits), roundBatch)
	commits := r.commits[:n:n]
	r.commits = r.commits[n:]
	if len(r.commits) == 0 {
		r.commits = nil // let the backing array go
	}
	reads := r.reads
	r.reads = nil
	r.mu.Unlock()
	if n == 0 && len(reads) == 0 {
		return
	}

	// Reads of one consumer share one XREADGROUP, served in arrival order.
	type consumerReads struct {
		consumer string
		reqs     []*readReq
		count    int
		cmd      *redis.XStreamSliceCmd
	}
	var byConsumer []*consumerReads
	index := map[string]*consumerReads{}
	for _, req := range reads {
		cr := index[req.consumer]
		if cr == nil {
			cr = &consumerReads{consumer: req.consumer}
			index[req.consumer] = cr
			byConsumer = append(byConsumer, cr)
		}
		cr.reqs = append(cr.reqs, req)
		cr.count += req.n
	}

	// The round carries other callers' work: one caller's cancellation
	// must not fail it. MULTI makes the round all or nothing: a server
	// refusing writes (out of memory) aborts every record and every
	// acknowledgement together, so no job is acknowledged without its record.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), roundTimeout)
	defer cancel()
	// Deliveries leased within the last three quarters of a lease are
	// surely still held; the others go through the script, which checks.
	var held, unsure []*completion
	for _, c := range commits {
		if q.surelyHeld(c.d) {
			held = append(held, c)
		} else {
			unsure = append(unsure, c)
		}
	}
	var (
		heldCmds []redis.Cmder
		checkCmd *redis.Cmd
		pauseCmd *redis.IntCmd
		keys     []string
		args     []any
	)
	if len(unsure) > 0 {
		keys, args = q.commitArgs(unsure)
	}
	// Each command carries its own error, also when the whole round failed.
	_, _ = q.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(held) > 0 {
			heldCmds = q.addCommits(ctx, p, held)
		}
		if len(unsure) > 0 {
			checkCmd = q.scripts.complete.EvalSha(ctx, p, keys, args...)
		}
		if len(byConsumer) > 0 {
			// Atomic with the reads: a job read here was read before any pause.
			pauseCmd = p.Exists(ctx, q.keys.paused)
		}
		for _, cr := range byConsumer {
			cr.cmd = p.XReadGroup(ctx, &redis.XReadGroupArgs{
				Group: group, Consumer: cr.consumer, Streams: []string{q.keys.stream, ">"},
				Count: int64(cr.count), Block: -1,
			})
		}
		return nil
	})

	var heldErr error
	for _, c := range heldCmds {
		if heldErr = c.Err(); heldErr != nil {
			break
		}
	}
	for _, c := range held {
		c.done <- heldErr
	}
	if checkCmd != nil {
		if redis.HasErrorPrefix(checkCmd.Err(), "NOSCRIPT") {
			// Redis restarted and forgot the script: once more, with its
			// source. The script is atomic on its own; the round's reads
			// are done.
			checkCmd = q.scripts.complete.Run(ctx, q.rdb, keys, args...)
		}
		done, err := checkCmd.Int64Slice()
		if err == nil && len(done) != len(unsure) {
			err = fmt.Errorf("complete script: %d answers for %d jobs", len(done), len(unsure))
		}
		for i, c := range unsure {
			switch {
			case err != nil:
				c.done <- err
			case done[i] == 0:
				c.done <- ErrLeaseLost
			default:
				c.done <- nil
			}
		}
	}
	paused := false
	if pauseCmd != nil {
		n, err := pauseCmd.Result()
		paused = err == nil && n > 0
	}
	for _, cr := range byConsumer {
		var msgs []redis.XMessage
		streams, err := cr.cmd.Result()
		if errors.Is(err, redis.Nil) {
			err = nil
		}
		for _, s := range streams {
			msgs = append(msgs, s.Messages...)
		}
		for _, req := range cr.reqs {
			k := min(req.n, len(msgs))
			req.out <- readResult{msgs: msgs[:k:k], paused: paused, err: err}
			msgs = msgs[k:]
		}
	}
}

// withdraw takes v out of the queue *s if no round has taken it yet.
func withdraw[T comparable](mu *sync.Mutex, s *[]T, v T) bool {
	mu.Lock()
	defer mu.Unlock()
	for i, x := range *s {
		if x == v {
			*s = append((*s)[:i:i], (*s)[i+1:]...)
			return true
		}
	}
	return false
}
