package queue

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// crockford is Crockford's base32 in lower case; its digits sort in the
// same order as the values they encode, so ids sort by creation time.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// idGen makes 26-character ids: 48 bits of Unix milliseconds then 80 random
// bits, like a ULID. Within one millisecond the random part counts up, so
// ids from one generator are strictly increasing.
type idGen struct {
	mu     sync.Mutex
	lastMS uint64
	hi     uint16 // top 16 of the 80 random bits
	lo     uint64
}

func (g *idGen) next(now time.Time) string {
	ms := uint64(now.UnixMilli())
	g.mu.Lock()
	if ms <= g.lastMS {
		ms = g.lastMS
		g.lo++
		if g.lo == 0 {
			g.hi++
		}
	} else {
		var b [10]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
		g.lastMS = ms
		g.hi = binary.BigEndian.Uint16(b[:2])
		g.lo = binary.BigEndian.Uint64(b[2:])
	}
	hi, lo := g.hi, g.lo
	g.mu.Unlock()

	// 128 bits as ms(48) | hi(16) | lo(64), written 5 bits at a time from
	// the low end; 26 digits cover 130 bits, the top two are zero.
	var out [26]byte
	top := ms<<16 | uint64(hi) // the upper 64 bits
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | top<<59
		top >>= 5
	}
	return string(out[:])
}

// idTime is when the generator made id: its first ten digits are its 48
// bits of Unix milliseconds (the top two of their 50 bits are zero).
func idTime(id string) (time.Time, bool) {
	if len(id) != 26 {
		return time.Time{}, false
	}
	var ms uint64
	for i := range 10 {
		d := strings.IndexByte(crockford, id[i])
		if d < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | uint64(d)
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}
