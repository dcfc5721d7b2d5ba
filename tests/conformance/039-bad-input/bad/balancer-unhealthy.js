// The unhealthy set must be an algo.Cache.
new algo.RoundRobinLoadBalancer(['a'], { a: true })
