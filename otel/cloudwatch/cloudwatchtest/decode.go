package cloudwatchtest

import (
	"fmt"
	"math"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// decodeInput turns a PutMetricData body into plain types. It is lenient
// about members it does not know (CloudWatch ignores them too) and strict
// about the types of those it does.
func decodeInput(body []byte) (string, []Datum, error) {
	v, err := cbor.Decode(body)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	top, ok := v.(cbor.Map)
	if !ok {
		return "", nil, fmt.Errorf("%w: body is %T, not a map", ErrMalformed, v)
	}
	var ns string
	if raw, ok := top["Namespace"]; ok {
		if ns, err = asString(raw); err != nil {
			return "", nil, fmt.Errorf("%w: Namespace: %w", ErrMalformed, err)
		}
	}
	datums, err := decodeDatumList(top["MetricData"], ns, nil)
	if err != nil {
		return "", nil, fmt.Errorf("%w: MetricData%w", ErrMalformed, err)
	}
	entities, err := asList(top["EntityMetricData"])
	if err != nil {
		return "", nil, fmt.Errorf("%w: EntityMetricData: %w", ErrMalformed, err)
	}
	for i, raw := range entities {
		m, ok := raw.(cbor.Map)
		if !ok {
			return "", nil, fmt.Errorf("%w: EntityMetricData[%d] is %T", ErrMalformed, i, raw)
		}
		ent, err := decodeEntity(m["Entity"])
		if err != nil {
			return "", nil, fmt.Errorf("%w: EntityMetricData[%d].Entity: %w", ErrMalformed, i, err)
		}
		more, err := decodeDatumList(m["MetricData"], ns, ent)
		if err != nil {
			return "", nil, fmt.Errorf("%w: EntityMetricData[%d].MetricData%w", ErrMalformed, i, err)
		}
		datums = append(datums, more...)
	}
	return ns, datums, nil
}

// decodeDatumList returns errors starting with an index so callers can
// prefix the member name.
func decodeDatumList(v cbor.Value, ns string, ent *Entity) ([]Datum, error) {
	list, err := asList(v)
	if err != nil {
		return nil, fmt.Errorf(": %w", err)
	}
	out := make([]Datum, 0, len(list))
	for i, raw := range list {
		m, ok := raw.(cbor.Map)
		if !ok {
			return nil, fmt.Errorf("[%d]: is %T, not a map", i, raw)
		}
		d, err := decodeDatum(m)
		if err != nil {
			return nil, fmt.Errorf("[%d].%w", i, err)
		}
		d.Namespace, d.Entity = ns, ent
		out = append(out, d)
	}
	return out, nil
}

func decodeDatum(m cbor.Map) (Datum, error) {
	var d Datum
	var err error
	for key, raw := range m {
		switch key {
		case "MetricName":
			d.MetricName, err = asString(raw)
		case "Unit":
			d.Unit, err = asString(raw)
		case "Dimensions":
			d.Dimensions, err = decodeDimensions(raw)
		case "Timestamp":
			d.Timestamp, err = asTime(raw)
		case "Value":
			var f float64
			f, err = cbor.AsFloat64(raw)
			d.Value = &f
		case "Values":
			d.Values, err = asFloats(raw)
		case "Counts":
			d.Counts, err = asFloats(raw)
		case "StatisticValues":
			d.StatisticValues, err = decodeStatisticSet(raw)
		case "StorageResolution":
			d.StorageResolution, err = cbor.AsInt32(raw)
		}
		if err != nil {
			return Datum{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	return d, nil
}

func decodeDimensions(v cbor.Value) ([]Dimension, error) {
	list, err := asList(v)
	if err != nil {
		return nil, err
	}
	out := make([]Dimension, 0, len(list))
	for i, raw := range list {
		m, ok := raw.(cbor.Map)
		if !ok {
			return nil, fmt.Errorf("[%d] is %T, not a map", i, raw)
		}
		var dim Dimension
		if dim.Name, err = asString(m["Name"]); err != nil {
			return nil, fmt.Errorf("[%d].Name: %w", i, err)
		}
		if dim.Value, err = asString(m["Value"]); err != nil {
			return nil, fmt.Errorf("[%d].Value: %w", i, err)
		}
		out = append(out, dim)
	}
	return out, nil
}

func decodeStatisticSet(v cbor.Value) (*StatisticSet, error) {
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("is %T, not a map", v)
	}
	var s StatisticSet
	fields := []struct {
		name string
		dst  *float64
	}{
		{"SampleCount", &s.SampleCount}, {"Sum", &s.Sum},
		{"Minimum", &s.Minimum}, {"Maximum", &s.Maximum},
	}
	for _, f := range fields {
		raw, ok := m[f.name]
		if !ok {
			// CloudWatch requires all four; the check belongs to
			// validation so the client sees InvalidParameterValue.
			return nil, fmt.Errorf("%w: %s missing", ErrStatisticSet, f.name)
		}
		var err error
		if *f.dst, err = cbor.AsFloat64(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return &s, nil
}

func decodeEntity(v cbor.Value) (*Entity, error) {
	if v == nil {
		return &Entity{}, nil
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("is %T, not a map", v)
	}
	var e Entity
	var err error
	if e.KeyAttributes, err = asStringMap(m["KeyAttributes"]); err != nil {
		return nil, fmt.Errorf("KeyAttributes: %w", err)
	}
	if e.Attributes, err = asStringMap(m["Attributes"]); err != nil {
		return nil, fmt.Errorf("Attributes: %w", err)
	}
	return &e, nil
}

func asString(v cbor.Value) (string, error) {
	s, ok := v.(cbor.String)
	if !ok {
		return "", fmt.Errorf("is %T, not a text string", v)
	}
	return string(s), nil
}

// asList treats an absent member as an empty list.
func asList(v cbor.Value) (cbor.List, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.(cbor.List)
	if !ok {
		return nil, fmt.Errorf("is %T, not a list", v)
	}
	return l, nil
}

func asFloats(v cbor.Value) ([]float64, error) {
	list, err := asList(v)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(list))
	for i, raw := range list {
		if out[i], err = cbor.AsFloat64(raw); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return out, nil
}

func asStringMap(v cbor.Value) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("is %T, not a map", v)
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		s, err := asString(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}

// asTime reads an epoch-seconds timestamp (CBOR tag 1). It rounds to the
// millisecond rather than truncating like cbor.AsTime, because
// float64(ms)/1e3*1e3 is not always ms again and the SDK sends milliseconds.
func asTime(v cbor.Value) (time.Time, error) {
	tag, ok := v.(*cbor.Tag)
	if !ok || tag.ID != 1 {
		return time.Time{}, fmt.Errorf("is %T, not an epoch-seconds tag", v)
	}
	switch f := tag.Value.(type) {
	case cbor.Float64:
		return time.UnixMilli(int64(math.Round(float64(f) * 1e3))).UTC(), nil
	case cbor.Float32:
		return time.UnixMilli(int64(math.Round(float64(f) * 1e3))).UTC(), nil
	}
	sec, err := cbor.AsInt64(tag.Value)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, 0).UTC(), nil
}
