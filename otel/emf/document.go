package emf

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// item is one translated point with the properties its document must carry.
type item struct {
	point cwmetric.Point
	props []cwmetric.KV
}

// document is one EMF log event before encoding.
type document struct {
	timestamp int64         // epoch milliseconds
	dims      []cwmetric.KV // top-level dimension members
	sets      [][]int       // dimension sets, as indexes into dims
	props     []cwmetric.KV // plain properties left after collisions
	metrics   []member      // distinct names, sorted
}

// member is one metric member of a document: plain values, or one
// distribution (part).
type member struct {
	name, unit string
	values     []float64
	dist       *cwmetric.Distribution
	round      int // which of its name's chunks or parts this is
}

// datums is what one member counts in Stats.
func (m member) datums() int {
	if m.dist != nil {
		return 1
	}
	return len(m.values)
}

type limits struct{ metrics, values, bytes int }

var defaultLimits = limits{metrics: maxMetricsPerDoc, values: maxValuesPerDoc, bytes: maxLineBytes}

type buildStats struct {
	propertiesSkipped int
	nameCollisions    int // datums dropped: a metric named like a dimension of its document
}

type keyRef struct{ start, end, item int }

// builder holds the arenas of one buildDocuments call; documents point into
// them, which saves an allocation per group and per document.
type builder struct {
	lim     limits
	items   []item
	values  []float64 // capacity fixed up front: members keep sub-slices
	members []member  // documents keep index ranges until the end
	ranges  [][2]int
	scratch []member
	docs    []document
	st      buildStats
}

// buildDocuments groups items into documents that respect lim: one group
// per time, dimension values, dimension sets and properties. Output order
// depends only on the items' content, never on their order, so golden files
// stay stable although the SDK reports data points in map order.
func buildDocuments(items []item, lim limits) ([]document, buildStats) {
	keys := make([]keyRef, len(items))
	arena := make([]byte, 0, 64*len(items))
	for i := range items {
		start := len(arena)
		arena = appendGroupKey(arena, &items[i])
		keys[i] = keyRef{start: start, end: len(arena), item: i}
	}
	slices.SortFunc(keys, func(a, b keyRef) int {
		return cmp.Or(bytes.Compare(arena[a.start:a.end], arena[b.start:b.end]), compareItems(&items[a.item], &items[b.item]))
	})
	b := &builder{
		lim:     lim,
		items:   items,
		values:  make([]float64, 0, len(items)),
		members: make([]member, 0, len(items)),
		docs:    make([]document, 0, len(items)/4+1),
		ranges:  make([][2]int, 0, len(items)/4+1),
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && bytes.Equal(arena[keys[i].start:keys[i].end], arena[keys[j].start:keys[j].end]) {
			j++
		}
		b.group(keys[i:j])
		i = j
	}
	for i, r := range b.ranges {
		b.docs[i].metrics = b.members[r[0]:r[1]:r[1]]
	}
	return b.docs, b.st
}

// appendGroupKey encodes everything a document shares, timestamp first so
// groups sort by time. Lengths prefix the strings so no value can imitate a
// separator; dimensions go in name order so rules listing them differently
// still share documents.
func appendGroupKey(b []byte, it *item) []byte {
	p := &it.point
	b = binary.BigEndian.AppendUint64(b, uint64(p.Time.UnixMilli())^(1<<63))
	str := func(b []byte, s string) []byte {
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	for _, set := range p.Sets {
		b = append(b, 's')
		for _, k := range set {
			b = str(b, p.Dimensions[k].Name)
		}
	}
	var order [cwmetric.MaxDimensions * 2]int
	idx := order[:0]
	for i := range p.Dimensions {
		idx = append(idx, i)
	}
	slices.SortFunc(idx, func(x, y int) int { return strings.Compare(p.Dimensions[x].Name, p.Dimensions[y].Name) })
	for _, i := range idx {
		b = append(b, 'd')
		b = str(b, p.Dimensions[i].Name)
		b = str(b, p.Dimensions[i].Value)
	}
	for _, kv := range it.props {
		b = append(b, 'p')
		b = str(b, kv.Name)
		b = str(b, kv.Value)
	}
	return b
}

// compareItems orders the points of a group: by name, plain values before
// distributions, then by value, so arrays and parts come out the same
// whatever order the SDK used.
func compareItems(a, b *item) int {
	p, q := &a.point, &b.point
	if c := strings.Compare(p.Name, q.Name); c != 0 {
		return c
	}
	switch {
	case p.Dist == nil && q.Dist == nil:
		return cmp.Compare(p.Value, q.Value)
	case p.Dist == nil:
		return -1
	case q.Dist == nil:
		return 1
	}
	d, e := p.Dist, q.Dist
	return cmp.Or(cmp.Compare(d.Min, e.Min), cmp.Compare(d.Max, e.Max), cmp.Compare(d.Count, e.Count), cmp.Compare(d.Sum, e.Sum))
}

// group appends the documents of one group. The k-th round holds the k-th
// value chunk or distribution part of every name, so a name appears at most
// once per document; each round is cut into documents of at most
// lim.metrics names.
func (b *builder) group(keys []keyRef) {
	first := &b.items[keys[0].item]
	tmpl := document{
		timestamp: first.point.Time.UnixMilli(),
		dims:      first.point.Dimensions,
		sets:      first.point.Sets,
		props:     first.props,
	}
	b.scratch = b.scratch[:0]
	maxRound := 0
	for i := 0; i < len(keys); {
		name := b.items[keys[i].item].point.Name
		j := i + 1
		for j < len(keys) && b.items[keys[j].item].point.Name == name {
			j++
		}
		if b.isDimension(&tmpl, name) {
			for _, k := range keys[i:j] {
				b.st.nameCollisions += b.datums(&b.items[k.item].point)
			}
		} else {
			maxRound = max(maxRound, b.slots(name, keys[i:j]))
		}
		i = j
	}
	if maxRound > 0 {
		slices.SortStableFunc(b.scratch, func(x, y member) int { return cmp.Compare(x.round, y.round) })
	}
	for i := 0; i < len(b.scratch); {
		j := i + 1
		for j < len(b.scratch) && j-i < b.lim.metrics && b.scratch[j].round == b.scratch[i].round {
			j++
		}
		start := len(b.members)
		b.members = append(b.members, b.scratch[i:j]...)
		d := tmpl
		d.props = b.keepProps(&tmpl, b.members[start:])
		b.docs = append(b.docs, d)
		b.ranges = append(b.ranges, [2]int{start, len(b.members)})
		i = j
	}
}

// slots appends the members of one name in a group and returns its last
// round.
func (b *builder) slots(name string, keys []keyRef) int {
	unit := b.items[keys[0].item].point.Unit
	round := 0
	start := len(b.values)
	for _, k := range keys {
		if p := &b.items[k.item].point; p.Dist == nil {
			b.values = append(b.values, p.Value)
		}
	}
	for s := start; s < len(b.values); s += b.lim.values {
		e := min(s+b.lim.values, len(b.values))
		b.scratch = append(b.scratch, member{name: name, unit: unit, values: b.values[s:e:e], round: round})
		round++
	}
	for _, k := range keys {
		p := &b.items[k.item].point
		if p.Dist == nil {
			continue
		}
		for _, part := range p.Dist.Split(b.lim.values) {
			b.scratch = append(b.scratch, member{name: name, unit: unit, dist: &part, round: round})
			round++
		}
	}
	return round - 1
}

func (b *builder) datums(p *cwmetric.Point) int {
	if p.Dist == nil {
		return 1
	}
	return (len(p.Dist.Values) + b.lim.values - 1) / b.lim.values
}

func (b *builder) isDimension(d *document, name string) bool {
	if name == awsKey {
		return true
	}
	for _, kv := range d.dims {
		if kv.Name == name {
			return true
		}
	}
	return false
}

// keepProps drops properties that would overwrite a dimension or metric
// member: those carry meaning for CloudWatch, a property only for Logs.
func (b *builder) keepProps(d *document, ms []member) []cwmetric.KV {
	clashes := func(p cwmetric.KV) bool {
		if b.isDimension(d, p.Name) {
			return true
		}
		_, found := slices.BinarySearchFunc(ms, p.Name, func(m member, n string) int { return strings.Compare(m.name, n) })
		return found
	}
	if !slices.ContainsFunc(d.props, clashes) {
		return d.props
	}
	kept := make([]cwmetric.KV, 0, len(d.props))
	for _, p := range d.props {
		if clashes(p) {
			b.st.propertiesSkipped++
			continue
		}
		kept = append(kept, p)
	}
	return kept
}
