// Metric names are strings.
new stats.Counter(42)
