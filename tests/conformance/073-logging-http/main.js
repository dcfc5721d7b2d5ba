// toHTTP(url, {method, headers, batch}): log messages are sent in batches as request
// bodies over one kept-alive connection. A receiver that is down loses its batches (an
// error is logged) and nothing else is affected.
var live = new logging.JSONLogger('live').toHTTP('http://127.0.0.1:28712/logs?app=tc073', {
  method: 'PUT',
  batch: { size: 3, timeout: 0.2, prefix: '[', postfix: ']', separator: ',' },
  headers: { 'content-type': 'application/json' },
})
var dead = new logging.TextLogger('dead').toHTTP('http://127.0.0.1:28713/', { batch: { size: 1 } })
var n = 0

pipy.listen('127.0.0.1:28711', $=>$
  .replaceData(() => {
    for (var i = 0; i < 5; i++) {
      live.log({ n: ++n })
      dead.log('lost', n)
    }
    return new Data('logged\n')
  })
)
