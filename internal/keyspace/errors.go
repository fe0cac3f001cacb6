package keyspace

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Classify returns err marked with crawler.ErrUnavailable when it says
// Redis could not be reached or cannot serve right now, rather than that
// something is wrong; any other error (nil too) is returned as it is. The
// mark adds to the chain: errors.Is and errors.As still see err.
func Classify(err error) error {
	if err == nil || errors.Is(err, crawler.ErrUnavailable) || !outage(err) {
		return err
	}
	return &unavailableError{err}
}

type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{crawler.ErrUnavailable, e.err} }

func outage(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) ||
		redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsMasterDownError(err) || redis.IsMaxClientsError(err) || redis.IsOOMError(err) ||
		// A script over its time holds the server: it answers every other
		// call BUSY until the script ends or is killed ("BUSYKEY" is a
		// RESTORE's own refusal).
		redis.HasErrorPrefix(err, "BUSY ")
}
