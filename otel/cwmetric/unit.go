package cwmetric

import "strings"

// units maps UCUM units, as OpenTelemetry instruments declare them, to
// CloudWatch's unit names.
var units = map[string]string{
	"s":      "Seconds",
	"ms":     "Milliseconds",
	"us":     "Microseconds",
	"By":     "Bytes",
	"kBy":    "Kilobytes",
	"MBy":    "Megabytes",
	"GBy":    "Gigabytes",
	"TBy":    "Terabytes",
	"bit":    "Bits",
	"kbit":   "Kilobits",
	"Mbit":   "Megabits",
	"Gbit":   "Gigabits",
	"Tbit":   "Terabits",
	"%":      "Percent",
	"1":      "None",
	"By/s":   "Bytes/Second",
	"kBy/s":  "Kilobytes/Second",
	"MBy/s":  "Megabytes/Second",
	"GBy/s":  "Gigabytes/Second",
	"TBy/s":  "Terabytes/Second",
	"bit/s":  "Bits/Second",
	"kbit/s": "Kilobits/Second",
	"Mbit/s": "Megabits/Second",
	"Gbit/s": "Gigabits/Second",
	"Tbit/s": "Terabits/Second",
	"1/s":    "Count/Second",
}

// Unit returns the CloudWatch unit for an OpenTelemetry (UCUM) unit. A pure
// annotation such as "{job}" counts things and becomes Count, as does an
// annotation rate such as "{job}/s" (Count/Second); anything else unknown
// becomes None rather than a unit CloudWatch would reject.
func Unit(ucum string) string {
	if u, ok := units[ucum]; ok {
		return u
	}
	if isAnnotation(ucum) {
		return "Count"
	}
	if per, ok := strings.CutSuffix(ucum, "/s"); ok && isAnnotation(per) {
		return "Count/Second"
	}
	return "None"
}

func isAnnotation(u string) bool {
	return strings.HasPrefix(u, "{") && strings.HasSuffix(u, "}")
}
