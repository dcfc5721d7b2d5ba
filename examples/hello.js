// A TCP echo that says hello first and counts the bytes it sends back (greeting included):
//   printf 'hi\n' | nc -q1 127.0.0.1 8080
pipy({ _bytes: 0 })
.listen(8080)
.onStart(() => new Data('hello from weir\n'))
.handleData(d => _bytes += d.size)
.handleStreamEnd(() => console.log(`${__inbound.remoteAddress}: ${_bytes} bytes echoed`))
