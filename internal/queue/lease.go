package queue

import (
	"context"
	"fmt"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// Extend renews the lease of deliveries the consumer is still running, so
// a long job is not reclaimed and run twice; call it every Lease/3 or so.
// It returns the deliveries the consumer no longer holds (their lease ran
// out and another worker took them, or they were parked): their results
// would be duplicates, so the caller may stop them.
func (q *Queue) Extend(ctx context.Context, consumer string, ds []Delivery) ([]Delivery, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2+len(ds))
	args = append(args, group, consumer)
	for _, d := range ds {
		args = append(args, d.StreamID)
	}
	lostIDs, err := q.scripts.extend.Run(ctx, q.rdb, []string{q.keys.stream}, args...).StringSlice()
	q.sawFailure(err)
	if err != nil {
		return nil, fmt.Errorf("queue: extend %d deliveries of %s: %w", len(ds), consumer, keyspace.Classify(err))
	}
	if len(lostIDs) == 0 {
		return nil, nil
	}
	gone := make(map[string]bool, len(lostIDs))
	for _, id := range lostIDs {
		gone[id] = true
	}
	var lost []Delivery
	for _, d := range ds {
		if gone[d.StreamID] {
			lost = append(lost, d)
		}
	}
	return lost, nil
}

// Release gives deliveries back without counting an attempt, at shutdown
// or when a worker cannot run them: each is readable again at once.
// Deliveries their consumer no longer holds are left to their new holder.
func (q *Queue) Release(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	args := make([]any, 0, 2+2*len(ds))
	args = append(args, q.keys.base, group)
	for _, d := range ds {
		args = append(args, d.Consumer, d.StreamID)
	}
	if err := q.scripts.release.Run(ctx, q.rdb, []string{q.keys.stream}, args...).Err(); err != nil {
		return fmt.Errorf("queue: release %d deliveries (first %s): %w", len(ds), ds[0].Job.ID, keyspace.Classify(err))
	}
	return nil
}
