package cloudwatchtest

import (
	"net/http"
	"time"
)

// Request is one accepted PutMetricData call.
type Request struct {
	Namespace string
	// Datums holds MetricData followed by the datums of EntityMetricData.
	Datums []Datum
	// Size is the body length in bytes after un-gzipping: the figure
	// CloudWatch's 1 MiB limit applies to.
	Size    int
	Gzipped bool
	Header  http.Header
}

// Datum is one MetricDatum as it arrived on the wire. Optional members the
// client left out stay at their zero value (nil pointers, nil slices, "").
type Datum struct {
	// Namespace repeats the request's namespace so a flattened list stays
	// self-describing.
	Namespace  string
	MetricName string
	Dimensions []Dimension
	// Timestamp is zero when the client sent none; CloudWatch then uses
	// the time of receipt.
	Timestamp         time.Time
	Value             *float64
	Values            []float64
	Counts            []float64
	StatisticValues   *StatisticSet
	Unit              string
	StorageResolution int32
	// Entity is set for datums that came in EntityMetricData.
	Entity *Entity
}

// Dimension is a name/value pair of a datum.
type Dimension struct {
	Name  string
	Value string
}

// StatisticSet is a pre-aggregated datum.
type StatisticSet struct {
	SampleCount float64
	Sum         float64
	Minimum     float64
	Maximum     float64
}

// Entity is the entity an EntityMetricData entry attaches its datums to.
type Entity struct {
	KeyAttributes map[string]string
	Attributes    map[string]string
}

// Rejection is a request the server refused before storing anything.
type Rejection struct {
	Namespace string
	Size      int
	Gzipped   bool
	// Code is the error code sent back: InvalidParameterValue for a limit
	// violation, SerializationException for a body that is not a valid
	// rpc-v2-cbor PutMetricData request.
	Code string
	// Err wraps one of the package's sentinel errors (ErrTooManyDatums,
	// ...); its text is the message sent to the client.
	Err error
}

// Reason is the message the client received.
func (r Rejection) Reason() string { return r.Err.Error() }

// Dimension returns the value of the named dimension.
func (d Datum) Dimension(name string) (string, bool) {
	for _, dim := range d.Dimensions {
		if dim.Name == name {
			return dim.Value, true
		}
	}
	return "", false
}
