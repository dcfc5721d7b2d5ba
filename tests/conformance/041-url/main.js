// new URL(url, base?) split into Pipy's fields, searchParams, URLSearchParams, and the
// static percent-coding helpers. Pipy's URL never rejects a string; only a non-string is
// an error.
((
  fields = ['protocol', 'auth', 'username', 'password', 'host', 'hostname', 'port', 'path', 'pathname', 'search', 'query', 'hash', 'origin', 'href'],
  show = (url, base) => ((u) => (
    println(`${url}${base ? ` (base ${base})` : ''}`),
    fields.forEach(k => u[k] !== '' && println(`  ${k}: ${u[k]}`))
  ))(new URL(url, base)),
) => pipy()

.task()
.onStart(() => (
  show('https://user:secret@example.com:8443/a/b.html?x=1&y=two#frag'),
  show('http://example.com'),
  show('ws://[::1]:9000/chat'),
  show('wss://[fe80::1]/'),
  show('ftp://files.example.com/pub/'),
  show('redis://cache:6379'),
  show('/only/a/path?q=1'),
  show('http://example.com?no=path'),
  show('HTTPS://example.com/%7Euser/a b'),
  show('c/d?e=f', 'https://h.example/a/b'),
  show('/root', 'https://h.example/a/b'),
  show('', 'https://h.example/a/b?q'),
  show('not a url at all'),

  println('-- searchParams'),
  ((u) => ((p) => (
    println(p === u.searchParams, p.get('x'), p.get('missing'), JSON.stringify(p.getAll('x')), JSON.stringify(p.getAll('missing'))),
    println(p.get('name'), p.get('flag') === '', JSON.stringify(p.toObject())),
    p.set('x', 'one'),
    p.set('list', ['a', 'b c', 3]),
    p.set('flag', null),
    println(p.toString()),
    println(JSON.stringify(u.searchParams.toObject())),
    println(u.search)
  ))(u.searchParams))(new URL('http://h/?x=1&name=J%C3%BCrgen%20Z&x=2&flag')),
  ((p) => (
    println(p.get('a'), JSON.stringify(p.getAll('b')), p.get('c'), p.get('d')),
    println(`${p}`)
  ))(new URLSearchParams({a: 1, b: ['x', 'y&z'], c: null, d: undefined, e: 'é='})),
  println(new URLSearchParams('?k=v&k2=').toString()),

  println('-- encode/decode'),
  println(URL.encodeComponent("a b/c?d=e&f#g é~!*'()")),
  println(URL.encode("/a b/c?d=e&f#g é")),
  println(URL.decodeComponent('a%20b%2Fc%3Fd%C3%A9')),
  println(URL.decode('/a%20b?c=%26')),
  println(URL.decode('100% sure, %zz and %4')),

  println('-- bad input'),
  invoke(() => new URL(42), e => println(`${e.name}: ${e.message}`)),
  invoke(() => new URL('/x', 7), e => println(`${e.name}: ${e.message}`)),
  invoke(() => new URLSearchParams(5), e => println(`${e.name}: ${e.message}`)),
  new StreamEnd
))

)()
