// Counts requests per method in a labelled counter and answers with the running totals.
var requests = new stats.Counter('weir_http_requests', ['method']);

pipy()

.listen('127.0.0.1:29070')
.serveHTTP(
  msg => (
    requests.increase(),
    requests.withLabels(msg.head.method).increase(),
    new Message(`${requests.valueOf()} ${requests.withLabels(msg.head.method).valueOf()}\n`)
  )
)
