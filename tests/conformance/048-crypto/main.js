// crypto.Hash, crypto.Hmac, crypto.PublicKey/PrivateKey from PEM, and crypto.JWT with
// HS256/HS512 (secret 'my-secret'), RS256 and ES256. Keys and tokens were made with openssl.
((
  load = name => pipy.load(name),
  token = name => load(name).toString().trim(),
  err = f => invoke(() => (println(`no error: ${f()}`)), e => println(`${e.name}: ${e.message}`)),
  tamper = t => t.slice(0, t.length - 2) + (t.endsWith('A') ? 'BA' : 'AA'),
) => pipy()

.task()
.onStart(() => (
  println('-- Hash'),
  println(new crypto.Hash('md5').digest('hex')),
  ((h) => (h.update('hel'), h.update(new Data('lo')), println(h.digest('hex'))))(new crypto.Hash('md5')),
  ((h) => (h.update('hello'), println(h.digest('hex'))))(new crypto.Hash('sha1')),
  ((h) => (h.update('68656c6c6f', 'hex'), println(h.digest('hex'))))(new crypto.Hash('SHA256')),
  ((h) => (h.update('hello'), println(h.digest('base64'))))(new crypto.Hash('sha384')),
  ((h) => (h.update('hello world'), println(h.digest('hex'))))(new crypto.Hash('sha512')),
  ((h) => (h.update('hello'), ((d) => println(d instanceof Data, d.size, d.toString('hex').slice(0, 8)))(h.digest())))(new crypto.Hash('sha256')),
  ((h) => (h.update('hello'), h.digest(), println('after digest:', h.digest('hex').slice(0, 16))))(new crypto.Hash('sha256')),
  err(() => new crypto.Hash('sha3-999')),
  err(() => new crypto.Hash('md5').update('zz', 'nope')),

  println('-- Hmac'),
  ((h) => (h.update('hello'), println(h.digest('hex'))))(new crypto.Hmac('sha256', 'key')),
  ((h) => (h.update('hello'), println(h.digest('hex'))))(new crypto.Hmac('sha256', new Data('key'))),
  ((h) => (h.update(''), println(h.digest('base64'))))(new crypto.Hmac('md5', '')),
  err(() => new crypto.Hmac('whirlpool', 'key')),
  err(() => new crypto.Hmac('sha1')),

  println('-- keys'),
  println(new crypto.PublicKey(load('rsa.pub')) instanceof crypto.PublicKey),
  println(new crypto.PublicKey(load('rsa-pkcs1.pub').toString()) instanceof crypto.PublicKey),
  println(new crypto.PublicKey(load('ec.pub')) instanceof crypto.PublicKey),
  println(new crypto.PrivateKey(load('rsa.key')) instanceof crypto.PrivateKey),
  println(new crypto.PrivateKey(load('ec-sec1.key')) instanceof crypto.PrivateKey),
  err(() => new crypto.PublicKey('-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n')),
  err(() => new crypto.PublicKey('hello')),
  err(() => new crypto.PublicKey(42)),
  err(() => new crypto.PrivateKey(load('rsa.pub'))),

  println('-- JWT'),
  ((jwt) => (
    println(jwt.isValid, JSON.stringify(jwt.header), JSON.stringify(jwt.payload)),
    println(jwt.payload.name, jwt.header === jwt.header),
    println('right secret', jwt.verify('my-secret'), 'as Data', jwt.verify(new Data('my-secret'))),
    println('wrong secret', jwt.verify('not-my-secret')),
    println('tampered', new crypto.JWT(tamper(token('hs256.jwt'))).verify('my-secret')),
    err(() => jwt.verify(new crypto.PublicKey(load('rsa.pub'))))
  ))(new crypto.JWT(token('hs256.jwt'))),
  ((jwt) => println('HS512', jwt.header.alg, jwt.verify('my-secret'), jwt.verify('x')))(new crypto.JWT(load('hs512.jwt'))),
  ((jwt) => (
    println('RS256', jwt.isValid, jwt.payload.sub),
    println('  pkcs8', jwt.verify(new crypto.PublicKey(load('rsa.pub')))),
    println('  pkcs1', jwt.verify(new crypto.PublicKey(load('rsa-pkcs1.pub')))),
    println('  private', jwt.verify(new crypto.PrivateKey(load('rsa.key')))),
    println('  tampered', new crypto.JWT(tamper(token('rs256.jwt'))).verify(new crypto.PublicKey(load('rsa.pub')))),
    err(() => jwt.verify(new crypto.PublicKey(load('ec.pub')))),
    err(() => jwt.verify('my-secret'))
  ))(new crypto.JWT(token('rs256.jwt'))),
  ((jwt) => (
    println('ES256', jwt.isValid, jwt.payload.iat),
    println('  right key', jwt.verify(new crypto.PublicKey(load('ec.pub')))),
    println('  other key', jwt.verify(new crypto.PublicKey(load('other-ec.pub')))),
    println('  tampered', new crypto.JWT(tamper(token('es256.jwt'))).verify(new crypto.PublicKey(load('ec.pub'))))
  ))(new crypto.JWT(token('es256.jwt'))),
  ((jwt) => println('alg none', jwt.isValid, jwt.header.alg, jwt.verify('my-secret')))(new crypto.JWT(token('none.jwt'))),
  ['', 'abc', 'a.b', 'a.b.c.d', '!!!.###.$$$', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', 'WzFd.e30.c2ln'].forEach(
    t => ((jwt) => println(`malformed ${JSON.stringify(t)}:`, jwt.isValid, jwt.header, jwt.payload, jwt.verify('my-secret')))(new crypto.JWT(t))
  ),
  err(() => new crypto.JWT()),
  new StreamEnd
))

)()
