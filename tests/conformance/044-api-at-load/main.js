// The APIs at load time: a JSON config read with JSON.decode, Netmask allow-lists built
// once and checked per connection. test.sh also loads broken scripts with `weir -t`.
((config) => (

  config.listen.reduce(
    (cfg, { port, allow }) => ((masks) => cfg
      .listen(port)
      .onStart(() => [
        new Data(`${__inbound.remoteAddress} -> ${port}: ${masks.some(m => m.contains(__inbound.remoteAddress)) ? 'allowed' : 'denied'}\n`),
        new StreamEnd,
      ])
    )(allow.map(cidr => new Netmask(cidr))),
    pipy()
  )

))(JSON.decode(pipy.load('config.json')))
