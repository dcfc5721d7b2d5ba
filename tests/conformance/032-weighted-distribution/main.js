// Weighted distribution end to end: a weighted round-robin balancer picked once per client
// connection (/rr) and a weighted algo.LoadBalancer allocated per request (/lb), in front
// of three backends that answer with their port.
((
  rr = new algo.RoundRobinLoadBalancer({
    '127.0.0.1:29041': 3,
    '127.0.0.1:29042': 2,
    '127.0.0.1:29043': 1,
  }),
  lb = new algo.LoadBalancer([29041, 29042, 29043], {
    weight: port => ({ 29041: 1, 29042: 2, 29043: 3 })[port],
  }),
) =>

pipy({
  _target: null,
  _resource: null,
})

.repeat([29041, 29042, 29043], ($, port) => $
  .listen(port)
  .serveHTTP(() => new Message(`${port}\n`))
)

.listen('127.0.0.1:29040')
.demuxHTTP().to(
  $=>$
  .handleMessageStart(
    msg => msg.head.path === '/lb' ? (
      _resource = lb.allocate(),
      _target = `127.0.0.1:${_resource.target}`
    ) : (
      _target = rr.next().id
    )
  )
  .muxHTTP(() => _target).to(
    $=>$.connect(() => _target)
  )
  .handleMessageEnd(() => _resource?.free())
)

)()
