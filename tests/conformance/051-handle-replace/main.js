// handle(fn) sees every event (and may pause the stream with a Promise); replace(x | fn)
// stands in for every event: a callback's undefined drops it, events replace it.
var name = evt => evt instanceof Data ? `Data '${evt.toString()}'` : evt.constructor.name

var show = pipeline($=>$
  .handle(evt => println(`  saw ${name(evt)}`))
  .handle(evt => evt instanceof MessageEnd ? new Timeout(0.05).wait().then(() => println('  (paused a while)')) : undefined)
  .replace(evt => evt instanceof Data ? new Data(evt.toString().toUpperCase()) : evt)
  .handle(evt => println(`  out ${name(evt)}`))
)

var dropData = pipeline($=>$.replace(evt => evt instanceof Data ? undefined : evt))
var fixed = pipeline($=>$.replace([new Data('same'), new StreamEnd]))

println('handle + replace:')
show.process([new MessageStart, new Data('ab'), new MessageEnd, new Data('c')])
  .then(() => dropData.process([new Data('x'), new MessageStart, new Data('y')]))
  .then(events => println(`replace(dropping Data): ${events.map(name).join(', ')}`))
  .then(() => fixed.process([new Data('x'), new Data('y')]))
  .then(events => println(`replace(fixed events): ${events.map(name).join(', ')}`))
