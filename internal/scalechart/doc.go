// Package scalechart draws a scalesim run as one PNG: arrivals, queue
// depth, oldest job age, ECS tasks and the published QueueBacklogPerWorker
// over the same time axis, with the scaling events marked. It owns the
// gonum/plot dependency; the simulator knows nothing of drawing.
package scalechart
