// The backend: compressed fixtures made by other implementations (Python's zlib and gzip,
// Node's brotli), each served with its content-encoding. The proxy under test is proxy.js.
pipy({
  _fixtures: {
    '/br': ['br', 'hello.txt.br'],
    '/zlib': ['deflate', 'hello.txt.zlib'],
    '/raw': ['deflate', 'hello.txt.raw'],
    '/x-gzip': ['x-gzip', 'hello.txt.gz'],
    '/zstd': ['zstd', 'hello.txt.gz'],
    '/kept': ['br', 'hello.txt.br'],
    '/corrupt': ['gzip', 'corrupt.gz'],
    '/truncated': ['gzip', 'truncated.gz'],
  },
})

.listen('127.0.0.1:28610')
.serveHTTP(
  req => (
    (f => f
      ? new Message(
        {
          headers: {
            'content-type': 'text/plain',
            'content-encoding': f[0],
            'x-decompress': req.head.path === '/kept' ? 'no' : 'yes',
          }
        },
        pipy.load(f[1])
      )
      : new Message({ status: 404 })
    )(_fixtures[req.head.path])
  )
)
