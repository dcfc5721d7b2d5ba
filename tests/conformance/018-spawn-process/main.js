// pipeline() layouts run on demand: spawn(arg) resolves to what onEnd returns; process()
// resolves to the output events (no onEnd). A fiber variable is per run.
var $count = 0

var job = pipeline($=>$
  .onStart(n => new Data(`job ${n}`))
  .handleData(() => $count++)
  .handleData(d => println(d.toString()))
  .replaceData(() => new StreamEnd)
  .onEnd(() => `result after ${$count} chunk(s)`)
)

var upper = pipeline($=>$
  .replaceData(d => new Data(d.toString().toUpperCase()))
)

job.spawn(42)
  .then(r => (println(`spawn resolved: ${r}`), job.spawn(43)))
  .then(r => (println(`spawn resolved: ${r}`), upper.process([new Data('a'), new Data('b')])))
  .then(events => println(`process resolved: ${events.map(e => e instanceof Data ? e.toString() : 'StreamEnd').join(' ')}`))
