// os: environment, platform, os.path, and files in a scratch directory (printed as $TMP).
((
  tmp = `/tmp/weir-conformance-043-${pipy.pid}`,
  hide = s => String(s).split(tmp).join('$TMP'),
  err = f => invoke(() => (f(), println('no error')), e => println(`${e.name}: ${hide(e.message)}`)),
) => pipy()

.task()
.onStart(() => (
  println('-- env'),
  println(os.platform, typeof os.env, typeof os.env.PATH, os.env.PATH === os.env['PATH'], os.home() === (os.env.HOME || '')),

  println('-- path'),
  [['a', 'b/c', '../d'], ['/a/', '/b'], ['a', '', 'b/'], [], ['..', 'x']].forEach(
    parts => println(`  join(${parts.map(p => `'${p}'`).join(', ')}) = ${os.path.join(...parts)}`)
  ),
  ['', '/', '//a//b/', 'a/./b/../c', '../a/..', '/../a', 'a/b/../../..'].forEach(
    p => println(`  normalize('${p}') = ${os.path.normalize(p)}`)
  ),
  ['/a/b/c.txt', '/a/b/', '/a', '/', 'file', ''].forEach(
    p => println(`  dirname('${p}') = ${os.path.dirname(p)}  basename = ${os.path.basename(p)}`)
  ),
  println(`  basename('/x/y.tar.gz', '.gz') = ${os.path.basename('/x/y.tar.gz', '.gz')}`),
  println(`  resolve('/r', 'a', '../b') = ${os.path.resolve('/r', 'a', '../b')}`),
  println(`  resolve('/r', '/abs', 'c/') = ${os.path.resolve('/r', '/abs', 'c/')}`),

  println('-- files'),
  os.mkdir(`${tmp}/sub/deeper`, { recursive: true }),
  os.writeFile(`${tmp}/hello.txt`, 'Hello, files!\n'),
  os.write(`${tmp}/bytes.bin`, new Data([0, 1, 2, 255])),
  os.writeFile(`${tmp}/.hidden`, new Data('not listed')),
  println(JSON.stringify(os.list(tmp)), JSON.stringify(os.readDir(`${tmp}/sub`))),
  println(os.readFile(`${tmp}/hello.txt`) instanceof Data, os.readFile(`${tmp}/hello.txt`).toString().trim()),
  println(JSON.stringify(os.read(`${tmp}/bytes.bin`).toArray())),
  ((s) => println(s.size, s.isFile(), s.isDirectory(), Math.abs(s.mtime - Date.now() / 1000) < 600))(os.stat(`${tmp}/hello.txt`)),
  ((s) => println(s.isFile(), s.isDirectory()))(os.stat(`${tmp}/sub`)),
  os.rename(`${tmp}/hello.txt`, `${tmp}/sub/moved.txt`),
  println(os.stat(`${tmp}/hello.txt`), os.readFile(`${tmp}/sub/moved.txt`).size),
  println(os.unlink(`${tmp}/bytes.bin`), os.unlink(`${tmp}/bytes.bin`)),
  os.chdir(tmp),
  println(hide(os.path.resolve('sub', 'x')), hide(os.abspath('sub/../sub/moved.txt')), os.readFile('sub/moved.txt').size),

  println('-- missing files and errors'),
  println(os.stat(`${tmp}/nothing`), os.readFile(`${tmp}/nothing`), JSON.stringify(os.list(`${tmp}/nothing`))),
  println(os.writeFile(`${tmp}/no/such/dir/file`, 'x'), os.stat(`${tmp}/no`)),
  err(() => os.read(`${tmp}/nothing`)),
  err(() => os.write(`${tmp}/no/such/dir/file`, 'x')),
  err(() => os.rename(`${tmp}/nothing`, `${tmp}/else`)),
  err(() => os.mkdir(`${tmp}/sub`)),
  err(() => os.mkdir(`${tmp}/a/b/c`)),
  err(() => os.rmdir(`${tmp}/sub`)),
  err(() => os.rmdir(`${tmp}/nothing`)),
  err(() => os.rm(`${tmp}/sub`)),
  err(() => os.writeFile(`${tmp}/n`, 42)),
  println(os.rmdir(`${tmp}/nothing`, { force: true }), os.rm(`${tmp}/nothing`, { force: true })),
  println(os.rmdir(`${tmp}/sub/deeper`), os.rm(tmp, { recursive: true }), os.stat(tmp)),
  new StreamEnd
))

)()
