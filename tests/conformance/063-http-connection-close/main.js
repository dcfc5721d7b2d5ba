// A response head that asks for `connection: close` closes the client connection after
// it, whether the message is a constant, made per request, or an upstream answer edited
// by the script. An upstream's own `connection: close` is about the upstream connection
// only: the client connection stays open.
pipy()

.listen('127.0.0.1:28640')
.serveHTTP(new Message({ headers: { connection: 'close' } }, 'constant\n'))

.listen('127.0.0.1:28641')
.serveHTTP(
  msg => new Message(
    { headers: { connection: msg.head.path === '/bye' ? 'close' : 'keep-alive' } },
    `made for ${msg.head.path}\n`
  )
)

// An upstream that closes after every answer.
.listen('127.0.0.1:28642')
.serveHTTP(new Message({ headers: { connection: 'close' } }, 'upstream\n'))

.listen('127.0.0.1:28643')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('127.0.0.1:28642'))
)

.listen('127.0.0.1:28644')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$.connect('127.0.0.1:28642'))
  .handleMessageStart(msg => { msg.head.headers.connection = 'close' })
)
