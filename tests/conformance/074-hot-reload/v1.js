// First version: 28741 answers v1 (and /slow after a second), 28742 answers B, and two
// tasks run: a repeating one and one that started an endless timer loop (a retired load
// must stop both, or its threads would never end).
function poll() { return new Timeout(0.1).wait().then(poll) }

pipy()
.task('0.1s')
.replaceStreamStart(new StreamEnd)

.task()
.onStart(() => (poll(), new StreamEnd))

.listen('127.0.0.1:28741')
.serveHTTP(req => req.head.path === '/slow'
  ? new Timeout(1).wait().then(() => new Message('v1 slow\n'))
  : new Message('v1\n')
)

.listen('127.0.0.1:28742')
.serveHTTP(new Message('B\n'))
