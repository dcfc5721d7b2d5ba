// YAML.parse/decode (text or Data -> value) and YAML.stringify/encode (value -> text or
// Data) in Pipy's shapes, with the errors of bad documents.
((
  bad = (f, s) => invoke(() => (f(s), println(`accepted: ${s}`)), e => println(`${e.name}: ${e.message}`)),
) => pipy()

.task()
.onStart(() => (
  println('-- parse'),
  ((v) => (
    println(JSON.stringify(v)),
    println(typeof v.port, typeof v.ratio, typeof v.on, v.none === null, typeof v.quoted)
  ))(YAML.parse([
    'name: weir',
    'port: 8080',
    'ratio: 0.25',
    'on: true',
    'none: ~',
    'quoted: "42"',
    'list:',
    '  - a',
    '  - 2',
    '  - {x: 1, y: [3, 4]}',
    'base: &b {k: v}',
    'copy: *b',
    'text: |',
    '  line one',
    '  line two',
  ].join('\n'))),
  println(JSON.stringify(YAML.parse('- 1\n- -2.5\n- .inf\n- null\n- "s"\n'))),
  println(YAML.parse('.inf'), YAML.parse('-.inf'), YAML.parse('.nan'), YAML.parse('0x1f'), YAML.parse('1e3')),
  println(YAML.parse('just a string'), YAML.parse('7') + 1, YAML.parse(''), YAML.parse('first: 1\n---\nsecond: 2').first),
  println(JSON.stringify(YAML.decode(new Data('a:\n  b:\n    c: [1, 2]\n')))),

  println('-- stringify'),
  println(YAML.stringify({name: 'weir', port: 8080, ratio: 0.5, on: true, none: null, skip: undefined, list: ['a', 2, {x: 1}], nested: {k: 'v', empty: []}})),
  println(YAML.stringify([1, 'two', false, 0.1 + 0.2, 1e21, -0.5, NaN, -Infinity])),
  println(YAML.stringify('plain'), YAML.stringify(42), YAML.stringify(null)),
  println(YAML.stringify({quoted: ['true', '42', 'a: b', '']})),
  ((o) => (o.self = o, println(YAML.stringify(o))))({name: 'loop'}),
  println(YAML.encode({a: 1}) instanceof Data, YAML.encode({a: [1, 2]}).toString()),
  println(JSON.stringify(YAML.parse(YAML.stringify({round: {trip: [1, 'x', true, null]}})))),

  println('-- bad documents'),
  bad(YAML.parse, 'a: [1, 2'),
  bad(YAML.parse, 'key: "open'),
  bad(YAML.parse, 'a: 1\n b: 2\nc'),
  bad(YAML.decode, new Data('x: {')),
  invoke(() => YAML.decode(42), e => println(`${e.name}: ${e.message}`)),
  new StreamEnd
))

)()
