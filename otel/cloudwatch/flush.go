package cloudwatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
)

// flush sends fresh together with the kept datums. What fails for a reason
// that may pass (throttling, 5xx, no connection, ctx ending) is kept for
// the next flush; what CloudWatch refuses as invalid is dropped.
func (e *exporter) flush(ctx context.Context, fresh []types.MetricDatum) error {
	select {
	case e.sending <- struct{}{}:
	case <-ctx.Done():
		if len(fresh) == 0 {
			return ctx.Err()
		}
		e.keep(fresh)
		return fmt.Errorf("%w: %d datums: %w", ErrNotDelivered, len(fresh), ctx.Err())
	}
	defer func() { <-e.sending }()

	pending := e.inRange(append(e.queue.take(), fresh...))
	if len(pending) == 0 {
		return nil
	}
	batches, sizes := batch(pending, maxRequestDatums, maxRequestBytes, e.overhead)
	results := make([]error, len(batches))
	var g errgroup.Group
	g.SetLimit(e.cfg.concurrency)
	for i := range batches {
		g.Go(func() error {
			results[i] = e.put(ctx, batches[i], sizes[i])
			return nil
		})
	}
	_ = g.Wait() // every goroutine returns nil; failures are in results

	var retained []types.MetricDatum
	var failed, refused failures
	for i, err := range results {
		switch {
		case err == nil:
		case rejected(err):
			e.stats.rejected.Add(uint64(len(batches[i])))
			refused.add(len(batches[i]), err)
		default:
			retained = append(retained, batches[i]...)
			failed.add(len(batches[i]), err)
		}
	}
	e.keep(retained)
	return errors.Join(failed.err(ErrNotDelivered, len(batches)), refused.err(ErrRejected, len(batches)))
}

func (e *exporter) put(ctx context.Context, ds []types.MetricDatum, size int) error {
	if err := ctx.Err(); err != nil {
		return err // not started: the datums stay for the next flush
	}
	e.stats.requests.Add(1)
	_, err := e.cfg.client.PutMetricData(ctx, &cw.PutMetricDataInput{
		Namespace:  &e.cfg.namespace,
		MetricData: ds,
	})
	if err != nil {
		e.stats.requestsFailed.Add(1)
		return err
	}
	e.stats.datumsSent.Add(uint64(len(ds)))
	e.stats.bytesWritten.Add(uint64(size))
	return nil
}

// keep queues undelivered datums, counting those the bound pushes out.
func (e *exporter) keep(ds []types.MetricDatum) {
	e.stats.bufferFull.Add(uint64(e.queue.keep(ds)))
}

// inRange drops, in place, datums CloudWatch would refuse for their age.
func (e *exporter) inRange(ds []types.MetricDatum) []types.MetricDatum {
	now := e.cfg.now()
	out := ds[:0]
	for _, d := range ds {
		var t int
		if d.Timestamp != nil {
			t = inRange(*d.Timestamp, now)
		}
		switch t {
		case -1:
			e.stats.tooOld.Add(1)
		case 1:
			e.stats.tooNew.Add(1)
		default:
			out = append(out, d)
		}
	}
	clear(ds[len(out):]) // let dropped datums be collected
	return out
}

// rejected reports whether err is CloudWatch's answer that the request is
// wrong, which no retry fixes: an API error the SDK's standard retryer
// would not retry. Anything else (throttling and 5xx after the retryer gave
// up, connection errors, an exhausted retry quota, ctx ending) may pass.
func rejected(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) != aws.TrueTernary
}

// failures sums up the failed requests of one flush in one error, so a
// long outage does not produce one error per request.
type failures struct {
	requests, datums int
	first            error
}

func (f *failures) add(datums int, err error) {
	f.requests++
	f.datums += datums
	if f.first == nil {
		f.first = err
	}
}

func (f *failures) err(kind error, total int) error {
	if f.requests == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d of %d requests, %d datums: %w", kind, f.requests, total, f.datums, f.first)
}
