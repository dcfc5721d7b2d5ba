// Load balancing in the shape of Pipy's tutorial step 05, written our own way: each route
// has a round-robin balancer; a client connection sticks to what it was given.
((
  routes = new algo.URLRouter({
    '/greet/*': new algo.RoundRobinLoadBalancer(['localhost:8080', 'localhost:8082']),
    '/echo': new algo.RoundRobinLoadBalancer(['localhost:8081']),
  }),
) => pipy({ _upstream: undefined })

.listen(8000)
.demuxHTTP().to($ => $
  .handleMessageStart(req => _upstream = routes.find(req.head.headers.host, req.head.path)?.next?.())
  .branch(
    () => !!_upstream, $ => $.muxHTTP(() => _upstream).to($ => $.connect(() => _upstream.id)),
    $ => $.replaceMessage(new Message({ status: 404 }, 'no such route\n'))
  )
)

)()
