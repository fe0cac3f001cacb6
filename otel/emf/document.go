package emf

import (
	"cmp"
	"slices"
	"strconv"
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
	dims      []cwmetric.KV // top-level dimension members, sorted by name
	sets      [][]string    // dimension sets, by name
	props     []cwmetric.KV // plain properties left after collisions
	metrics   []member      // distinct names, sorted
}

// member is one metric member of a document: plain values, or one
// distribution (part).
type member struct {
	name, unit string
	values     []float64
	dist       *cwmetric.Distribution
}

// datums is what one metric member counts in Stats.
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

// group gathers the points that may share a document: same time, same
// dimension values and sets, same properties.
type group struct {
	key    string
	doc    document // template without metrics
	unit   map[string]string
	values map[string][]float64
	dists  map[string][]*cwmetric.Distribution
}

// buildDocuments groups items into documents that respect lim. Output order
// depends only on the items' content, never on their order, so golden files
// stay stable although the SDK reports data points in map order.
func buildDocuments(items []item, lim limits) ([]document, buildStats) {
	var st buildStats
	groups := map[string]*group{}
	var sb strings.Builder
	for i := range items {
		p := &items[i].point
		key := groupKey(&sb, p, items[i].props)
		g, ok := groups[key]
		if !ok {
			g = newGroup(key, p, items[i].props)
			groups[key] = g
		}
		if _, ok := g.unit[p.Name]; !ok {
			g.unit[p.Name] = p.Unit
		}
		if p.Dist != nil {
			for _, part := range p.Dist.Split(lim.values) {
				g.dists[p.Name] = append(g.dists[p.Name], &part)
			}
		} else {
			g.values[p.Name] = append(g.values[p.Name], p.Value)
		}
	}
	ordered := make([]*group, 0, len(groups))
	for _, g := range groups {
		ordered = append(ordered, g)
	}
	slices.SortFunc(ordered, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.doc.timestamp, b.doc.timestamp), strings.Compare(a.key, b.key))
	})
	var docs []document
	for _, g := range ordered {
		docs = g.documents(docs, lim, &st)
	}
	return docs, st
}

func newGroup(key string, p *cwmetric.Point, props []cwmetric.KV) *group {
	g := &group{
		key:    key,
		unit:   map[string]string{},
		values: map[string][]float64{},
		dists:  map[string][]*cwmetric.Distribution{},
	}
	g.doc.timestamp = p.Time.UnixMilli()
	g.doc.dims = slices.Clone(p.Dimensions)
	slices.SortFunc(g.doc.dims, func(a, b cwmetric.KV) int { return strings.Compare(a.Name, b.Name) })
	g.doc.sets = make([][]string, len(p.Sets))
	for i, set := range p.Sets {
		names := make([]string, len(set))
		for j, k := range set {
			names[j] = p.Dimensions[k].Name
		}
		g.doc.sets[i] = names
	}
	g.doc.props = props
	return g
}

// groupKey encodes everything a document shares; lengths prefix the strings
// so no value can imitate a separator.
func groupKey(sb *strings.Builder, p *cwmetric.Point, props []cwmetric.KV) string {
	sb.Reset()
	str := func(s string) {
		sb.WriteString(strconv.Itoa(len(s)))
		sb.WriteByte(':')
		sb.WriteString(s)
	}
	sb.WriteString(strconv.FormatInt(p.Time.UnixMilli(), 10))
	sb.WriteString("|s")
	for _, set := range p.Sets {
		sb.WriteByte('[')
		for _, k := range set {
			str(p.Dimensions[k].Name)
		}
		sb.WriteByte(']')
	}
	sb.WriteString("|d")
	dims := p.Dimensions
	if !slices.IsSortedFunc(dims, func(a, b cwmetric.KV) int { return strings.Compare(a.Name, b.Name) }) {
		dims = slices.Clone(dims)
		slices.SortFunc(dims, func(a, b cwmetric.KV) int { return strings.Compare(a.Name, b.Name) })
	}
	for _, d := range dims {
		str(d.Name)
		str(d.Value)
	}
	sb.WriteString("|p")
	for _, kv := range props {
		str(kv.Name)
		str(kv.Value)
	}
	return sb.String()
}

// documents appends the group's documents: the k-th document round holds
// the k-th value chunk or distribution part of every name, so a name
// appears at most once per document, and each round is cut into documents
// of at most lim.metrics names.
func (g *group) documents(docs []document, lim limits, st *buildStats) []document {
	dimNames := map[string]bool{awsKey: true}
	for _, d := range g.doc.dims {
		dimNames[d.Name] = true
	}
	slots := map[string][]member{}
	for name, vs := range g.values {
		slices.Sort(vs)
		for start := 0; start < len(vs); start += lim.values {
			end := min(start+lim.values, len(vs))
			slots[name] = append(slots[name], member{name: name, unit: g.unit[name], values: vs[start:end]})
		}
	}
	for name, ds := range g.dists {
		slices.SortStableFunc(ds, compareDist)
		for _, d := range ds {
			slots[name] = append(slots[name], member{name: name, unit: g.unit[name], dist: d})
		}
	}
	names := make([]string, 0, len(slots))
	for name, ms := range slots {
		if dimNames[name] {
			for _, m := range ms {
				st.nameCollisions += m.datums()
			}
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for round := 0; ; round++ {
		var ms []member
		for _, name := range names {
			if s := slots[name]; round < len(s) {
				ms = append(ms, s[round])
			}
		}
		if len(ms) == 0 {
			return docs
		}
		for start := 0; start < len(ms); start += lim.metrics {
			d := g.doc
			d.metrics = ms[start:min(start+lim.metrics, len(ms))]
			d.props = keepProps(g.doc.props, dimNames, d.metrics, st)
			docs = append(docs, d)
		}
	}
}

// keepProps drops properties that would overwrite a dimension or metric
// member: those carry meaning for CloudWatch, a property only for Logs.
func keepProps(props []cwmetric.KV, dimNames map[string]bool, ms []member, st *buildStats) []cwmetric.KV {
	clashes := func(p cwmetric.KV) bool {
		if dimNames[p.Name] {
			return true
		}
		_, found := slices.BinarySearchFunc(ms, p.Name, func(m member, n string) int { return strings.Compare(m.name, n) })
		return found
	}
	if !slices.ContainsFunc(props, clashes) {
		return props
	}
	kept := make([]cwmetric.KV, 0, len(props))
	for _, p := range props {
		if clashes(p) {
			st.propertiesSkipped++
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

func compareDist(a, b *cwmetric.Distribution) int {
	return cmp.Or(cmp.Compare(a.Min, b.Min), cmp.Compare(a.Max, b.Max), cmp.Compare(a.Count, b.Count), cmp.Compare(a.Sum, b.Sum))
}
