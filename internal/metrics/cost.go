package metrics

// PricePerMetricMonth is CloudWatch's price of one custom metric for a month,
// in US dollars, in the first tier (up to 10,000 metrics).
const PricePerMetricMonth = 0.30

// Cost is what a configuration publishes to CloudWatch.
type Cost struct {
	Metrics    int     // distinct custom metrics (name × dimension values)
	MonthlyUSD float64 // at PricePerMetricMonth
}

// CloudWatchCost counts the custom metrics the table creates in CloudWatch
// with the given number of workers, with or without the opt-in WorkerId
// set, assuming every bounded attribute value occurs. Without WorkerId the
// count does not depend on the number of workers; with it, each per-worker
// metric adds one metric per worker.
func CloudWatchCost(table []Definition, workers int, workerID bool) Cost {
	var n int
	for _, d := range table {
		if d.CloudWatchName == "" {
			continue
		}
		for _, set := range d.CloudWatchSets(workerID) {
			combos := 1
			for _, dim := range set {
				if dim == WorkerIDDimension {
					combos *= workers
					continue
				}
				combos *= len(d.attributeByDimension(dim).Values)
			}
			n += combos
		}
	}
	return Cost{Metrics: n, MonthlyUSD: float64(n) * PricePerMetricMonth}
}

func (d Definition) attributeByDimension(name string) Attribute {
	for _, a := range d.Attributes {
		if a.CloudWatch == name {
			return a
		}
	}
	return Attribute{Values: []string{""}} // unknown: counted once; TestTable rejects it
}
