// Buckets must be an array.
new stats.Histogram('h', 5)
