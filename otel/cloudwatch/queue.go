package cloudwatch

import (
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// queue holds datums that could not be delivered yet, oldest first, and
// never more than max of them.
type queue struct {
	mu     sync.Mutex
	items  []types.MetricDatum
	max    int
	closed bool
}

// close marks the exporter shut down; Export refuses work from then on.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
}

func (q *queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// take empties the queue and returns what it held.
func (q *queue) take() []types.MetricDatum {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// keep queues ds ahead of anything queued since the last take (ds was
// taken, or made, earlier) and drops the oldest beyond max. It returns how
// many it dropped. The kept datums are copied into a slice of their own so
// that dropped ones, and the batches they came from, can be collected.
func (q *queue) keep(ds []types.MetricDatum) (dropped int) {
	if len(ds) == 0 {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	total := len(ds) + len(q.items)
	dropped = max(0, total-q.max)
	items := make([]types.MetricDatum, 0, total-dropped)
	if dropped < len(ds) {
		items = append(items, ds[dropped:]...)
		items = append(items, q.items...)
	} else {
		items = append(items, q.items[dropped-len(ds):]...)
	}
	q.items = items
	return dropped
}

// capacity is what the queue holds memory for; tests check it stays bounded.
func (q *queue) capacity() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return cap(q.items)
}
