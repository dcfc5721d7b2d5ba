// Routing in the shape of Pipy's tutorial step 04, written our own way: a URLRouter picks
// an upstream per request; a branch sends unrouted requests to a 404.
((
  routes = new algo.URLRouter({
    '/greet/*': 'localhost:8080',
    '/echo': 'localhost:8081',
    '/who/*': 'localhost:8082',
  }),
) => pipy({ _upstream: undefined })

.listen(8000)
.demuxHTTP().to($ => $
  .handleMessageStart(req => _upstream = routes.find(req.head.headers.host, req.head.path))
  .branch(
    () => !!_upstream, $ => $.muxHTTP(() => _upstream).to($ => $.connect(() => _upstream)),
    $ => $.replaceMessage(new Message({ status: 404 }, 'no such route\n'))
  )
)

)()
