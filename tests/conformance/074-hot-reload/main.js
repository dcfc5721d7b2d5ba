// Hot reload by pipy.restart(): the program loads again and new connections run the new
// load (each load draws its own id); a connection kept alive from before stays on the old
// one. test.sh also reloads a --threads=2 program by SIGHUP after editing its files (v1.js,
// v2.js, broken.js): declared-again ports stay open, others close or open, a request in
// flight finishes on the old program, and a load that fails keeps the running one.
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
