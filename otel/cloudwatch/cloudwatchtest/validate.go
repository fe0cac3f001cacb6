package cloudwatchtest

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// CloudWatch's documented PutMetricData limits.
const (
	MaxRequestBytes      = 1 << 20
	MaxDatums            = 1000
	MaxValues            = 150
	MaxDimensions        = 30
	MaxNameLen           = 255
	MaxDimensionValueLen = 1024
	MaxAge               = 14 * 24 * time.Hour
	MaxAhead             = 2 * time.Hour
)

// maxMagnitude is 2^360: CloudWatch rejects values beyond ±2^360.
var maxMagnitude = math.Ldexp(1, 360)

// Units lists the unit names CloudWatch accepts.
func Units() []string {
	return []string{
		"Seconds", "Microseconds", "Milliseconds",
		"Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
		"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
		"Percent", "Count",
		"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
		"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
		"Count/Second", "None",
	}
}

func validUnit(u string) bool {
	for _, known := range Units() {
		if u == known {
			return true
		}
	}
	return false
}

// validate applies the request-level rules, then each datum's; the first
// violation wins, as CloudWatch reports one problem per response.
func validate(ns string, datums []Datum, now time.Time) error {
	switch {
	case ns == "":
		return fmt.Errorf("%w: the parameter Namespace must be provided", ErrNamespace)
	case utf8.RuneCountInString(ns) > MaxNameLen:
		return fmt.Errorf("%w: the parameter Namespace must be at most %d characters", ErrNamespace, MaxNameLen)
	case strings.HasPrefix(ns, "AWS/"):
		return fmt.Errorf("%w: the value %s for parameter Namespace is invalid: it must not start with AWS/", ErrNamespace, ns)
	case len(datums) > MaxDatums:
		return fmt.Errorf("%w: the collection MetricData must not have a size greater than %d, got %d", ErrTooManyDatums, MaxDatums, len(datums))
	}
	for i, d := range datums {
		if err := validateDatum(d, now); err != nil {
			return fmt.Errorf("MetricData.member.%d: %w", i+1, err)
		}
	}
	return nil
}

func validateDatum(d Datum, now time.Time) error {
	if n := utf8.RuneCountInString(d.MetricName); n < 1 || n > MaxNameLen {
		return fmt.Errorf("%w: MetricName must be 1 to %d characters, got %d", ErrMetricName, MaxNameLen, n)
	}
	if err := validateDimensions(d.Dimensions); err != nil {
		return err
	}
	if !d.Timestamp.IsZero() {
		if d.Timestamp.Before(now.Add(-MaxAge)) || d.Timestamp.After(now.Add(MaxAhead)) {
			return fmt.Errorf("%w: Timestamp %s must be within two weeks before and two hours after %s",
				ErrTimestamp, d.Timestamp.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	if err := validateValues(d); err != nil {
		return err
	}
	if d.Unit != "" && !validUnit(d.Unit) {
		return fmt.Errorf("%w: %q is not a CloudWatch unit", ErrUnit, d.Unit)
	}
	if r := d.StorageResolution; r != 0 && r != 1 && r != 60 {
		return fmt.Errorf("%w: StorageResolution must be 1 or 60, got %d", ErrStorageResolution, r)
	}
	return nil
}

func validateDimensions(dims []Dimension) error {
	if len(dims) > MaxDimensions {
		return fmt.Errorf("%w: %d dimensions, the limit is %d", ErrTooManyDimensions, len(dims), MaxDimensions)
	}
	for i, dim := range dims {
		if n := utf8.RuneCountInString(dim.Name); n < 1 || n > MaxNameLen {
			return fmt.Errorf("%w: Dimensions.member.%d.Name must be 1 to %d characters, got %d", ErrDimensionName, i+1, MaxNameLen, n)
		}
		if n := utf8.RuneCountInString(dim.Value); n < 1 || n > MaxDimensionValueLen {
			return fmt.Errorf("%w: Dimensions.member.%d.Value must be 1 to %d characters, got %d", ErrDimensionValue, i+1, MaxDimensionValueLen, n)
		}
	}
	return nil
}

func validateValues(d Datum) error {
	given := 0
	for _, set := range []bool{d.Value != nil, d.Values != nil, d.StatisticValues != nil} {
		if set {
			given++
		}
	}
	if given > 1 {
		return fmt.Errorf("%w: give only one of Value, Values and StatisticValues", ErrValueConflict)
	}
	if len(d.Values) > MaxValues {
		return fmt.Errorf("%w: %d Values, the limit is %d", ErrTooManyValues, len(d.Values), MaxValues)
	}
	if d.Counts != nil && len(d.Counts) != len(d.Values) {
		return fmt.Errorf("%w: %d Counts for %d Values", ErrCountsMismatch, len(d.Counts), len(d.Values))
	}
	check := func(member string, f float64) error {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: %s is %v", ErrValueNotFinite, member, f)
		}
		if math.Abs(f) > maxMagnitude {
			return fmt.Errorf("%w: %s %g is beyond ±2^360", ErrValueRange, member, f)
		}
		return nil
	}
	if d.Value != nil {
		if err := check("Value", *d.Value); err != nil {
			return err
		}
	}
	for _, list := range []struct {
		member string
		vals   []float64
	}{{"Values", d.Values}, {"Counts", d.Counts}} {
		for i, f := range list.vals {
			if err := check(fmt.Sprintf("%s.member.%d", list.member, i+1), f); err != nil {
				return err
			}
		}
	}
	if s := d.StatisticValues; s != nil {
		for _, f := range []struct {
			member string
			v      float64
		}{{"SampleCount", s.SampleCount}, {"Sum", s.Sum}, {"Minimum", s.Minimum}, {"Maximum", s.Maximum}} {
			if err := check("StatisticValues."+f.member, f.v); err != nil {
				return err
			}
		}
	}
	return nil
}
