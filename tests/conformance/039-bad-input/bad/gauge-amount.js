// Increase by a number.
new stats.Gauge('g').increase('one')
