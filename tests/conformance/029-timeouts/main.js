// Timeouts: an idle inbound connection is closed; an upstream that never answers ends the
// stream with ReadTimeout; connecting to a closed port ends it with ConnectionRefused.
pipy()
.listen('127.0.0.1:28290', { idleTimeout: 0.3 })
.listen('127.0.0.1:28291')
.connect('127.0.0.1:28292', { readTimeout: 0.3 })
.replaceStreamEnd(e => [new Data(`ended: ${e.error}\n`), new StreamEnd])
.listen('127.0.0.1:28292')
.dummy()
.listen('127.0.0.1:28293')
.connect('127.0.0.1:28299', { connectTimeout: 1 })
.replaceStreamEnd(e => [new Data(`ended: ${e.error}\n`), new StreamEnd])
