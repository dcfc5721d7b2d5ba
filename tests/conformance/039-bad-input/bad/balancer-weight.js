// Weights are numbers.
new algo.LeastWorkLoadBalancer({ a: 'heavy' })
