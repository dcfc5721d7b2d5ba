// First version: 28741 answers v1 (and /slow after a second), 28742 answers B, and a
// repeating task runs (a retired load must stop it, or its threads would never end).
pipy()
.task('0.1s')
.replaceStreamStart(new StreamEnd)

.listen('127.0.0.1:28741')
.serveHTTP(req => req.head.path === '/slow'
  ? new Timeout(1).wait().then(() => new Message('v1 slow\n'))
  : new Message('v1\n')
)

.listen('127.0.0.1:28742')
.serveHTTP(new Message('B\n'))
