// With maxConnections: 1 a second client waits for the first one instead of being refused.
pipy()
.listen('127.0.0.1:28401', { maxConnections: 1 })
.replaceData(d => new Timeout(0.5).wait().then(new Data('served ' + d.toString())))
