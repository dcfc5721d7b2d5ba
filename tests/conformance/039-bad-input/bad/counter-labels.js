// This counter has no labels.
new stats.Counter('plain').withLabels('a')
