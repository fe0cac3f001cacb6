// Package nonblock is an io.Writer that never blocks its caller: each Write
// is copied into a bounded queue that one goroutine writes out in order.
// When the queue is full the Write is dropped, counted and reported as
// ErrFull, so a stuck destination (a full pipe, a log driver in blocking
// mode that cannot deliver) costs lines, never the caller's progress.
package nonblock
