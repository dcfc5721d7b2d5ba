// A plain HTTP reverse proxy: WebSocket upgrades pass through it untouched.
pipy()

.listen('127.0.0.1:28586')
.demuxHTTP().to($=>$
  .muxHTTP().to($=>$
    .connect('127.0.0.1:28585')
  )
)
