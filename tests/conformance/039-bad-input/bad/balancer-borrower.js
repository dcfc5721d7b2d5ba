// Borrowers are objects.
new algo.RoundRobinLoadBalancer(['a']).next('me')
