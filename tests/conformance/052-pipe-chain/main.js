// pipe([a, b, c]) runs a chain: each layout calls pipeNext() to go on, and past the last one
// events pass through. Every pipeline of the chain starts with pipe()'s initArgs (here a
// function of the first event), shares the context ($trace), and its output flows back out.
var $trace = ''

var step = tag => pipeline($=>$
  .onStart(ctx => void ($trace += `${tag}(${ctx.id})`))
  .replaceData(d => new Data(`${d.toString()}>${tag}`))
  .pipeNext()
  .replaceData(d => new Data(`${d.toString()}<${tag}`))
)

var chain = pipeline($=>$
  .pipe([step('a'), step('b'), step('c')], evt => ({ id: evt.toString() }))
  .handleData(d => println(`chain: ${d.toString()} trace=${$trace}`))
)

// A target map, chosen per stream from the first event; 'pass' continues the outer chain.
var routed = pipeline($=>$
  .pipe(
    evt => evt instanceof Data ? evt.toString() : null,
    {
      upper: $=>$.replaceData(d => new Data(d.toString().toUpperCase())),
      rev: pipeline($=>$.replaceData(d => new Data(d.toString().split('').reverse().join('')))),
    },
  )
  .handleStreamEnd(e => println(`routed ended${e.error ? ' with ' + e.error : ''}`))
  .handleData(d => println(`routed: ${d.toString()}`))
)

// A single layout keeps its own start argument; pipeNext(args) gives the next one another.
var inner = pipeline($=>$.onStart(arg => void println(`inner got ${arg}`)))
var args = pipeline($=>$
  .pipe([
    pipeline($=>$.onStart(arg => void println(`first got ${arg}`)).pipe(inner, ['single']).pipeNext(() => 'changed')),
    pipeline($=>$.onStart(arg => void println(`second got ${arg}`))),
  ], ['shared'])
)

// A map entry's pipeNext() continues the chain its pipe() is in, with the chain's argument.
var nested = pipeline($=>$
  .pipe([
    pipeline($=>$.pipe(() => 'pass', { pass: $=>$.pipeNext() })),
    pipeline($=>$.onStart(arg => void println(`after the map entry got ${arg}`))),
  ], ['outer'])
)

chain.process(new Data('x'))
  .then(() => routed.process(new Data('upper')))
  .then(() => routed.process(new Data('rev')))
  .then(() => routed.process(new Data('unknown')))
  .then(() => routed.process(new MessageStart))
  .then(() => args.process(new Data('go')))
  .then(() => nested.process(new Data('go')))
