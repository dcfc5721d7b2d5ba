var lb = new algo.RoundRobinLoadBalancer(['a', 'b'])
// No such target.
lb.deselect('zzz')
