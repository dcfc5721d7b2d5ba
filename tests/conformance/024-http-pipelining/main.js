// Responses go out in request order even when a later one is ready first.
pipy()
.listen(8080)
.serveHTTP(
  msg => new Timeout(msg.head.path === '/slow' ? 0.3 : 0).wait().then(
    () => new Message({ headers: { 'x-path': msg.head.path } }, `answer to ${msg.head.path}\n`)
  )
)
