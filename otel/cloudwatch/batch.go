package cloudwatch

import "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

// CloudWatch's limits for one PutMetricData request.
const (
	maxRequestDatums = 1000
	// maxRequestBytes reads CloudWatch's "1 MB" as 10^6 bytes, which keeps
	// 4.6% of headroom below the 1 MiB some readings give it.
	maxRequestBytes = 1_000_000
)

// The size estimate mirrors the rpc-v2-cbor encoder of smithy-go (v1.28.9),
// which the SDK uses for PutMetricData: structures and lists are
// indefinite-length (one byte to open, one to close), members are keyed by
// name, every double is 9 bytes, a timestamp is tag 1 plus a double, and
// strings and integers take the shortest CBOR head. It gives the exact body
// size for that encoder; the headroom of maxRequestBytes absorbs a future
// encoder that is slightly larger. A test checks it against the bytes the
// fake CloudWatch receives.
const (
	indefinite = 2 // open and break bytes of a structure or list
	doubleSize = 9
	timeSize   = 1 + doubleSize
)

// Member keys are all shorter than 24 bytes, so their CBOR head is one byte.
const (
	keyMetricName        = 1 + len("MetricName")
	keyDimensions        = 1 + len("Dimensions")
	keyName              = 1 + len("Name")
	keyValue             = 1 + len("Value")
	keyTimestamp         = 1 + len("Timestamp")
	keyValues            = 1 + len("Values")
	keyCounts            = 1 + len("Counts")
	keyUnit              = 1 + len("Unit")
	keyStorageResolution = 1 + len("StorageResolution")
	keyNamespace         = 1 + len("Namespace")
	keyMetricData        = 1 + len("MetricData")
)

// requestOverhead is the size of a request without its datums.
func requestOverhead(namespace string) int {
	return indefinite + keyNamespace + cborStringSize(namespace) + keyMetricData + indefinite
}

// datumSize estimates the encoded size of d.
func datumSize(d *types.MetricDatum) int {
	n := indefinite
	if d.MetricName != nil {
		n += keyMetricName + cborStringSize(*d.MetricName)
	}
	if d.Dimensions != nil {
		n += keyDimensions + indefinite
		for _, dim := range d.Dimensions {
			n += indefinite
			if dim.Name != nil {
				n += keyName + cborStringSize(*dim.Name)
			}
			if dim.Value != nil {
				n += keyValue + cborStringSize(*dim.Value)
			}
		}
	}
	if d.Timestamp != nil {
		n += keyTimestamp + timeSize
	}
	if d.Value != nil {
		n += keyValue + doubleSize
	}
	if d.Values != nil {
		n += keyValues + indefinite + doubleSize*len(d.Values)
	}
	if d.Counts != nil {
		n += keyCounts + indefinite + doubleSize*len(d.Counts)
	}
	if d.Unit != "" {
		n += keyUnit + cborStringSize(string(d.Unit))
	}
	if d.StorageResolution != nil {
		n += keyStorageResolution + cborIntSize(int64(*d.StorageResolution))
	}
	return n
}

func cborStringSize(s string) int { return cborHeadSize(uint64(len(s))) + len(s) }

func cborIntSize(v int64) int {
	if v < 0 {
		return cborHeadSize(uint64(-1 - v))
	}
	return cborHeadSize(uint64(v))
}

func cborHeadSize(arg uint64) int {
	switch {
	case arg < 24:
		return 1
	case arg < 1<<8:
		return 2
	case arg < 1<<16:
		return 3
	case arg < 1<<32:
		return 5
	}
	return 9
}

// batch cuts ds, in order, into requests of at most maxDatums datums and
// maxBytes estimated bytes including overhead. The batches are subslices
// of ds, not copies. A datum too large for any request (impossible within
// CloudWatch's per-datum limits) still goes out alone, to be refused there
// and counted, rather than blocking everything behind it.
func batch(ds []types.MetricDatum, maxDatums, maxBytes, overhead int) (batches [][]types.MetricDatum, sizes []int) {
	start, size := 0, overhead
	for i := range ds {
		n := datumSize(&ds[i])
		if i > start && (i-start == maxDatums || size+n > maxBytes) {
			batches, sizes = append(batches, ds[start:i]), append(sizes, size)
			start, size = i, overhead
		}
		size += n
	}
	if start < len(ds) {
		batches, sizes = append(batches, ds[start:]), append(sizes, size)
	}
	return batches, sizes
}
