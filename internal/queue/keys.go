package queue

import "github.com/crawler-service/crawler/internal/keyspace"

// group is the one consumer group every worker reads through.
const group = "workers"

// keys holds the queue's fixed key names, worked out once from the
// keyspace that names them; per-job names come from the keyspace itself.
type keys struct {
	space   keyspace.Keys
	base    string // "{prefix}:", passed to scripts that name job keys
	stream  string
	delayed string
	failed  string
	workers string
	paused  string
	// workerInfo is the hash of live workers' info.
	workerInfo string
}

func newKeys(space keyspace.Keys) keys {
	return keys{
		space:      space,
		base:       space.Base(),
		stream:     space.Stream(),
		delayed:    space.Delayed(),
		failed:     space.Failed(),
		workers:    space.Workers(),
		paused:     space.Paused(),
		workerInfo: space.WorkerInfo(),
	}
}

func (k keys) job(id string) string        { return k.space.Job(id) }
func (k keys) idem(key string) string      { return k.space.Idempotency(key) }
func (k keys) schedule(name string) string { return k.space.ScheduleResults(name) }
