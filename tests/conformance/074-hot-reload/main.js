// Hot reload by pipy.restart(): the program loads again and new connections run the new
// load (each load draws its own id); the old load closes an idle kept-alive connection.
// test.sh also reloads a --threads=2 program by SIGHUP after editing its files (v1.js,
// v2.js, broken.js): declared-again ports stay open, others close or open, a request in
// flight finishes on the old program, and a load that fails keeps the running one. Then
// SIGINT stops it gracefully.
var id = algo.uuid()

pipy.listen('127.0.0.1:28740', $=>$
  .serveHTTP(req => {
    if (req.head.path === '/restart') {
      pipy.restart()
      return new Message('restarting\n')
    }
    return new Message(id + '\n')
  })
)
