// Throttles queue (never drop) until the quota allows: 5 requests a second, 100 KiB of
// data a second, one stream at a time.
pipy()
.listen('127.0.0.1:28190')
.demuxHTTP().to($=>$
  .throttleMessageRate(new algo.Quota(5, { per: '1s' }))
  .replaceMessage(new Message('ok'))
)
.listen('127.0.0.1:28191')
.throttleDataRate('100k')
.listen('127.0.0.1:28192')
.throttleConcurrency(1)
.replaceData(d => new Timeout(0.3).wait().then(new Data(d.toString().toUpperCase())))
