package cloudwatchtest

import "time"

type config struct {
	clock func() time.Time
}

func newConfig(opts []Option) config {
	c := config{clock: time.Now}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// Option configures a [Server].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithClock sets the clock timestamps are checked against (two weeks back,
// two hours ahead); the default is time.Now. A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.clock = now
		}
	})
}
