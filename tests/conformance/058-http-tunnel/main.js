// HTTP tunnels: a CONNECT proxy that refuses other methods with 405, and a plain HTTP
// front-end that reaches its upstream through that proxy's tunnel.
pipy({
  _dest: null,
})

// The destination.
.listen('127.0.0.1:28581')
.serveHTTP(
  msg => new Message(`hello from ${msg.head.path}\n`)
)

// The CONNECT proxy.
.listen('127.0.0.1:28580')
.demuxHTTP().to($=>$
  .acceptHTTPTunnel(
    req => {
      if (req.head.method !== 'CONNECT') {
        return new Message({ status: 405 }, 'only CONNECT here\n')
      }
      _dest = req.head.path
    }
  ).to($=>$
    .connect(() => _dest)
  )
)

// Plain TCP in, tunnelled through the proxy to the destination.
.listen('127.0.0.1:28582')
.connectHTTPTunnel(
  () => new Message({ method: 'CONNECT', path: '127.0.0.1:28581' })
).to($=>$
  .muxHTTP().to($=>$
    .connect('127.0.0.1:28580')
  )
)

// The same with a constant target string, era-A style.
.listen('127.0.0.1:28583')
.connectHTTPTunnel('tun', '127.0.0.1:28581')

.pipeline('tun')
.muxHTTP().to($=>$
  .connect('127.0.0.1:28580')
)

// A CONNECT proxy that takes a second to answer: what a client sends before the answer is
// held, at most 1 MiB.
.listen('127.0.0.1:28584')
.demuxHTTP().to($=>$
  .acceptHTTPTunnel(
    () => new Timeout(1).wait().then(() => undefined)
  ).to($=>$
    .connect('127.0.0.1:28581')
  )
)
