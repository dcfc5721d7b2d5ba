// compressHTTP and decompressHTTP in the shape of Pipy's test/curl/004-http-compress, plus
// brotli, a message that is already encoded, and request bodies compressed on the way up.
pipy({
  _received: '',
})

// Servers that compress their answers.
.listen('127.0.0.1:28600')
.demuxHTTP().to($=>$
  .replaceMessage(new Message(pipy.load('index.html')))
  .compressHTTP('gzip')
)
.listen('127.0.0.1:28601')
.demuxHTTP().to($=>$
  .replaceMessage(new Message({ headers: { 'content-type': 'text/html' } }, pipy.load('index.html')))
  .compressHTTP('deflate')
)
.listen('127.0.0.1:28602')
.demuxHTTP().to($=>$
  .replaceMessage(new Message(pipy.load('index.html')))
  .compressHTTP({ method: 'brotli', level: 'best' })
)

// Proxies that decompress what comes back.
.listen('127.0.0.1:28603')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('localhost:28600'))
  .decompressHTTP()
)
.listen('127.0.0.1:28604')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('localhost:28601'))
  .decompressHTTP()
)
.listen('127.0.0.1:28605')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('localhost:28602'))
  .decompressHTTP()
)

// Already gzip-encoded: a second compressHTTP leaves it alone.
.listen('127.0.0.1:28606')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('localhost:28600'))
  .compressHTTP('deflate')
)

// Requests compressed on the way up, the method picked per message from the path...
.listen('127.0.0.1:28607')
.demuxHTTP().to($=>$
  .compressHTTP(
    msg => ({ '/gzip': 'gzip', '/deflate': 'deflate', '/brotli': 'brotli' })[msg.head.path]
  )
  .muxHTTP().to($=>$.connect('localhost:28608'))
)

// ...and decompressed by the backend, which says what it received and echoes the body.
.listen('127.0.0.1:28608')
.demuxHTTP().to($=>$
  .handleMessageStart(msg => _received = msg.head.headers['content-encoding'] || 'identity')
  // 3 MB of one repeated line compresses far beyond the default 100:1 bomb guard.
  .decompressHTTP({ maxRatio: 0 })
  .replaceMessage(
    req => new Message({ headers: { 'x-received': _received } }, req.body)
  )
)
