// decompressHTTP in a proxy, always (28611) or when the upstream's x-decompress says so (28612).
pipy()

.listen('127.0.0.1:28611')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('localhost:28610'))
  .decompressHTTP()
)

.listen('127.0.0.1:28612')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('localhost:28610'))
  .decompressHTTP(msg => msg.head.headers['x-decompress'] === 'yes')
)
