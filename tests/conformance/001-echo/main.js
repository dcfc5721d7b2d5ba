// An empty pipeline echoes; handleData sees every chunk.
pipy({ _bytes: 0 })
.listen('127.0.0.1:28101')
.listen('127.0.0.1:28102')
.handleData(d => _bytes += d.size)
.replaceStreamEnd(() => [new Data(`total ${_bytes}\n`), new StreamEnd])
