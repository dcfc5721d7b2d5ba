// logging.TextLogger / JSONLogger / BinaryLogger: one message per log() call, to stdout
// and to a file (written by a background thread). toHTTP: tc/073.
async function main() {
  await new Timeout(0).wait()

  // Text: arguments as strings joined by spaces; objects also get ':' and their JSON.
  var text = new logging.TextLogger('text').toStdout()
  text.log('hello', 42, { a: 1 }, [1, 2], null, undefined, true)
  text.log()

  // JSON: the JSON of each argument, run together.
  var json = new logging.JSONLogger('json').toStdout()
  json.log({ a: [1, 'x'] })
  json.log('two', 3, null)

  // Binary: the bytes of each argument.
  var bin = new logging.BinaryLogger('bin').toStdout()
  bin.log(new Data('ab'), 'c', [100, 101], 7)

  // A file: one line per message, visible shortly after.
  var path = os.path.join(os.env.TMPDIR || '/tmp', `weir-tc072-${algo.uuid()}.log`)
  var file = new logging.JSONLogger('file').toFile(path)
  file.log({ line: 1 })
  file.log({ line: 2 })
  text.log('logged to a file:', file.name)
  await new Timeout(0.3).wait()
  print(os.readFile(path).toString())
  os.unlink(path)

  // Bad arguments are TypeErrors.
  for (var f of [
    () => new logging.TextLogger(),
    () => text.toFile(),
    () => text.toHTTP('https://127.0.0.1/'),
    () => text.toHTTP('http://127.0.0.1:28799/', { batch: { size: 0 } }),
    () => text.toHTTP('http://127.0.0.1:28799/', { headers: { 'bad name': 'x' } }),
  ]) {
    try { f() } catch (e) { println(`${e.name}: ${e.message}`) }
  }
}

main()
