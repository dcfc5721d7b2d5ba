((
  config = pipy.solve('config.js'),
  balancers = Object.fromEntries(
    Object.entries(config.services).map(([name, targets]) => [name, new algo.RoundRobinLoadBalancer(targets)])
  ),
) => pipy({ _upstream: undefined })

.import({ __service: 'proxy' })

.pipeline()
.branch(
  () => !!(_upstream = balancers[__service]?.next?.()),
  $ => $.muxHTTP(() => _upstream).to($ => $.connect(() => _upstream.id)),
  $ => $.chain()
)

)()
