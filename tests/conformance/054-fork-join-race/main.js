// forkJoin(args): one branch per element, each in a clone of the context with the element
// as its start argument; the main stream is held until every branch has ended.
// forkRace(args): the first branch to output anything wins and its output is the output.
var $who = 'main'
var $delay = 0
var total = 0

var joined = pipeline($=>$
  .forkJoin(['slow', 'fast']).to($=>$
    .onStart(name => void ($who = name))
    .handleData(d => new Timeout($who === 'slow' ? 0.1 : 0.02).wait().then(
      () => println(`branch ${$who} got ${d.toString()}`)
    ))
    .handleStreamEnd(() => println(`branch ${$who} ended`))
  )
  .handleData(d => println(`main got ${d.toString()} as ${$who}`))
  .forkJoin(() => [1, 2, 3]).to($=>$.onStart(n => void (total += n)))
  .handleStreamEnd(() => println(`main ended, total ${total}`))
)

var raced = pipeline($=>$
  .forkRace([0.1, 0.02, 0.05]).to($=>$
    .onStart(delay => void ($delay = delay))
    .replaceData(d => new Timeout($delay).wait().then(() => new Data(`${d.toString()} after ${$delay}s`)))
  )
)

joined.process(new Data('x'))
  .then(() => raced.process(new Data('y')))
  .then(events => println(`race output: ${events.map(e => e instanceof Data ? e.toString() : e.constructor.name).join(', ')}`))
