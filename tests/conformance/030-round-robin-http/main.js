// URL routing to round-robin pools, in the shape of Pipy's test/curl/002-http: three
// backends answer with their own port; borrow() keeps one backend per client connection
// (curl sends several URLs over one keep-alive connection); unrouted paths get a 404.
((
  pools = new algo.URLRouter({
    '/foo': new algo.RoundRobinLoadBalancer([
      '127.0.0.1:29031',
      '127.0.0.1:29032',
      '127.0.0.1:29033',
    ]),
    '/bar/*': new algo.RoundRobinLoadBalancer([
      '127.0.0.1:29032',
      '127.0.0.1:29033',
    ]),
  }),
) =>

pipy({
  _upstream: null,
})

.repeat([29031, 29032, 29033], ($, port) => $
  .listen(port)
  .serveHTTP(() => new Message(`${port}\n`))
)

.listen('127.0.0.1:29030')
.demuxHTTP().to(
  $=>$.branchMessageStart(
    msg => _upstream = pools.find(msg.head.headers.host, msg.head.path)?.borrow(), (
      $=>$.muxHTTP(() => _upstream).to(
        $=>$.connect(() => _upstream.id)
      )
    ), (
      $=>$.replaceMessage(new Message({ status: 404 }, 'no route\n'))
    )
  )
)

)()
