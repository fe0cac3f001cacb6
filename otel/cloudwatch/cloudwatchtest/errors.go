package cloudwatchtest

import "errors"

// Sentinels a [Rejection] wraps, one per CloudWatch rule, so tests can tell
// which rule a request broke with errors.Is.
var (
	ErrProtocol          = errors.New("not an rpc-v2-cbor request")
	ErrMalformed         = errors.New("malformed PutMetricData body")
	ErrRequestTooLarge   = errors.New("request too large")
	ErrTooManyDatums     = errors.New("too many datums")
	ErrNamespace         = errors.New("invalid namespace")
	ErrMetricName        = errors.New("invalid metric name")
	ErrTooManyDimensions = errors.New("too many dimensions")
	ErrDimensionName     = errors.New("invalid dimension name")
	ErrDimensionValue    = errors.New("invalid dimension value")
	ErrTimestamp         = errors.New("timestamp out of range")
	ErrTooManyValues     = errors.New("too many values")
	ErrCountsMismatch    = errors.New("counts and values differ in length")
	ErrValueConflict     = errors.New("value, values and statistic values are mutually exclusive")
	ErrValueNotFinite    = errors.New("value not finite")
	ErrValueRange        = errors.New("value out of range")
	ErrStatisticSet      = errors.New("incomplete statistic values")
	ErrUnit              = errors.New("invalid unit")
	ErrStorageResolution = errors.New("invalid storage resolution")
)
