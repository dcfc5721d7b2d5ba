// The raw codecs: requests decoded, heads rewritten in place, encoded again; and a
// response made by a script encoded with Pipy's header order.
pipy()
.task()
.onStart(() => [
  new Data('GET /a HTTP/1.1\r\nHost: example\r\nX-Id: 1\r\n\r\nPOST /b HTTP/1.1\r\nHost: example\r\n'),
  new Data('Content-Length: 5\r\n\r\nhello'),
  new StreamEnd,
])
.decodeHTTPRequest()
.handleMessageStart(msg => (
  println(`${msg.head.method} ${msg.head.path} host=${msg.head.headers.host} protocol=${msg.head.protocol}`),
  msg.head.path = '/rewritten' + msg.head.path,
  msg.head.headers['x-added'] = 'yes'
))
.handleMessage(msg => println(`body: '${msg.body.toString()}'`))
.encodeHTTPRequest()
.tee('-')
.replaceData(() => new Message({ status: 404, headers: { 'X-Reason': 'none' } }, 'not here'))
.encodeHTTPResponse()
.tee('-')
.replaceData()
