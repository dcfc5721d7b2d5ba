// No such algorithm.
new algo.LoadBalancer(['a'], { algorithm: 'random' })
