// JSON.decode (Data -> value) and JSON.encode (value -> Data) in Pipy's shapes, with the
// errors of bad documents; JSON.parse/stringify stay the engine's own.
((
  dec = s => JSON.decode(new Data(s)),
  enc = (v, r, s) => JSON.encode(v, r, s).toString(),
  bad = s => invoke(() => (dec(s), println(`accepted: ${s}`)), e => println(`${e.name}: ${e.message}`)),
) => pipy()

.task()
.onStart(() => (
  println('-- decode'),
  ((v) => (
    println(JSON.stringify(v)),
    println(Object.keys(v).join(','), typeof v.n[0], v.n[0] + v.n[1]),
    println(Object.getPrototypeOf(v) === Object.prototype, v['__proto__'])
  ))(dec(' {"z": 1, "a": [true, false, null], "n": [-0.5, 25e-1, 1E3, 9007199254740993],\n "s": "tab\\t quote\\" slash\\/ \\u00e9 \\ud83d\\ude00 é", "__proto__": 7} ')),
  println(dec('"just a string"'), dec('42'), dec('null')),
  println(JSON.stringify(dec('{"a":{"b":[1,2]},"c":3}'), null, 0)),
  println(JSON.stringify(JSON.decode(new Data('{"a":{"b":[1,2]},"c":3}'), (k, v, holder) => (
    println(`  reviver key=${JSON.stringify(k)} value=${JSON.stringify(v)} holder=${holder === null ? 'null' : Array.isArray(holder) ? 'array' : 'object'}`),
    typeof v === 'number' ? v * 10 : v
  )))),

  println('-- encode'),
  println(JSON.encode({a: 1}) instanceof Data, JSON.encode(undefined)),
  println(enc({s: 'line\nbreak "q" back\\slash \u0001 é', n: [0, -0, 1.5, 1e21, 0.1 + 0.2, NaN, Infinity], b: [true, false, null]})),
  println(enc({skip: undefined, fn: () => 1, arr: [undefined, () => 1, 'kept']})),
  ((o) => (o.self = o, o.list = [o, {back: o}], println(enc(o))))({name: 'loop'}),
  ((deep) => (repeat(150, () => { deep = [deep] }), println(enc(deep).length)))(1),
  println(enc({a: 1, b: [], c: {}, d: [1, {e: 'f'}]}, null, 2)),
  println(enc([1, [2]], null, 20) === enc([1, [2]], null, 10), enc([1], null, -3)),
  println(enc({a: [1, {b: 2}], c: 'x'}, (k, v, holder) => (
    println(`  replacer key=${typeof k}:${k} holder=${holder === null ? 'null' : Array.isArray(holder) ? 'array' : 'object'}`),
    k === 'c' ? undefined : typeof v === 'number' ? v + 100 : v
  ))),
  println(enc(new Date(0)), JSON.stringify(new Date(0))),

  println('-- bad documents'),
  bad(''),
  bad('   '),
  bad('{"a": 1,}'),
  bad('{"a" 1}'),
  bad('{a: 1}'),
  bad('[1 2]'),
  bad('[1,'),
  bad('"open'),
  bad('"bad \\x escape"'),
  bad('"raw \u0001 control"'),
  bad('"\\ud800 alone"'),
  bad('"\\u12g4"'),
  bad('tru'),
  bad('-'),
  bad('1.'),
  bad('1e+'),
  bad('01'),
  bad('1e999'),
  bad('{"a": 1} trailing'),
  bad('NaN'),
  invoke(() => JSON.decode(42), e => println(`${e.name}: ${e.message}`)),
  invoke(() => JSON.parse('{"a": 1,}'), e => println(`JSON.parse still throws ${e.name}`)),
  new StreamEnd
))

)()
