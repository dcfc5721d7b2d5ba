// XML.parse/decode (text or Data -> XML.Node tree) and XML.stringify/encode (node -> text
// or Data), XML.Node, and the errors of bad documents.
((
  show = (n, indent = '') => typeof n === 'string' ? println(`${indent}text ${JSON.stringify(n)}`) : (
    println(`${indent}<${n.name}> ${JSON.stringify(n.attributes)}`),
    n.children.forEach(c => show(c, indent + '  '))
  ),
  bad = (f, s) => invoke(() => (f(s), println(`accepted: ${s}`)), e => println(`${e.name}: ${e.message}`)),
) => pipy()

.task()
.onStart(() => (
  println('-- parse'),
  ((root) => (
    println(root instanceof XML.Node, root.name, root.children.length),
    show(root)
  ))(XML.parse([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- a bookstore -->',
    '<bookstore>',
    '  <book category="CHILDREN" id=\'b1\'>',
    '    <title lang="en">Harry Potter &amp; the &#x41;&#66;C</title>',
    '    <price>29.99</price>',
    '    <note><![CDATA[<raw> & stuff]]></note>',
    '    <empty/>',
    '  </book>',
    '  <mixed>one <b>two</b> three</mixed>',
    '</bookstore>',
  ].join('\n'))),
  show(XML.decode(new Data('<a x="1 &lt; 2"><b/></a>'))),

  println('-- stringify'),
  ((book) => (
    println(book.name, JSON.stringify(book.attributes), book.children.length),
    println(XML.stringify(book))
  ))(new XML.Node('book', {category: 'CHILDREN'}, [
    new XML.Node('title', {lang: 'en'}, ['Harry Potter']),
    new XML.Node('author', null, ['J K. Rowling']),
    new XML.Node('year', null, ['2005']),
    new XML.Node('price', null, ['29.99']),
  ])),
  ((n) => (
    println(n.name, JSON.stringify(n.attributes), JSON.stringify(n.children)),
    n.name = 'renamed', n.attributes.k = 'v', n.children.push('text'),
    println(XML.stringify(n))
  ))(new XML.Node('bare')),
  println(XML.stringify(new XML.Node('esc', {q: 'a "b" & <c>'}, ['1 < 2 & 3 > 2']))),
  println(XML.stringify({name: 'plain', attributes: {n: 1}, children: [{name: 'child', children: []}]})),
  println(XML.encode(new XML.Node('d')) instanceof Data, XML.encode(new XML.Node('d', null, ['x'])).toString()),
  println(XML.stringify(XML.parse('<r a="1"><s>t</s><u/></r>'))),

  println('-- bad documents'),
  bad(XML.parse, '<a><b></a>'),
  bad(XML.parse, '<a>'),
  bad(XML.parse, ''),
  bad(XML.parse, '<a/><b/>'),
  bad(XML.parse, '<a>&nope;</a>'),
  bad(XML.parse, '<a x="1" x="2"/>'),
  bad(XML.decode, new Data('text only')),
  invoke(() => XML.stringify('not a node'), e => println(`${e.name}: ${e.message}`)),
  new StreamEnd
))

)()
