// Buckets are numbers.
new algo.Percentile([1, 'two'])
