package queue

// group is the one consumer group every worker reads through.
const group = "workers"

// keys names every Redis key of one queue. The braces make {prefix} the
// hash tag, so all keys live in one cluster slot and Lua scripts may touch
// several of them.
type keys struct {
	base    string // "{prefix}:", also passed to scripts that build job keys
	stream  string
	delayed string
	failed  string
	workers string
}

func newKeys(prefix string) keys {
	base := "{" + prefix + "}:"
	return keys{
		base:    base,
		stream:  base + "stream",
		delayed: base + "delayed",
		failed:  base + "failed",
		workers: base + "workers",
	}
}

func (k keys) job(id string) string        { return k.base + "job:" + id }
func (k keys) schedule(name string) string { return k.base + "schedule:" + name + ":results" }
