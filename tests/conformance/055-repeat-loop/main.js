// repeat(cond): each time the sub-pipeline ends, cond(streamEnd) (or the Promise it returns)
// says whether to run it again over the same input; the last StreamEnd goes out.
// loop(...): the sub-pipeline's output goes out and back into its own input.
var $runs = 0
var count = 0

var retry = pipeline($=>$
  .repeat(end => (println(`  run ${$runs} ended with ${end.error}`), $runs < 3)).to($=>$
    .onStart(() => void ($runs++))
    .handleData(d => println(`  run ${$runs} got ${d.toString()}`))
    .replaceStreamEnd(() => new StreamEnd('ConnectionRefused'))
  )
  .handleStreamEnd(e => println(`repeat: done after ${$runs} runs, ${e.error}`))
)

var later = pipeline($=>$
  .repeat(() => new Timeout(0.01).wait().then(() => $runs < 2)).to($=>$
    .onStart(() => void ($runs++))
  )
  .handleStreamEnd(() => println(`repeat with a promise: ${$runs} runs`))
)

var countdown = pipeline($=>$
  .onStart(new Data('3'))
  .loop($=>$
    .replaceData(d => Number(d.toString()) > 0 ? new Data(`${Number(d.toString()) - 1}`) : new StreamEnd)
  )
  .handleData(d => println(`loop: ${d.toString()}`))
  .handleStreamEnd(() => println('loop: ended'))
)

var doubling = pipeline($=>$
  .onStart(new Data('x'))
  .loop($=>$.replaceData(d => [d, d]))
  .handleData(() => void count++)
  .handleStreamEnd(e => println(`doubling loop: ${e.error} after more than 65536 events: ${count > 65536}`))
)

retry.process(new Data('x'))
  .then(() => later.process(new Data('y')))
  .then(() => countdown.spawn())
  .then(() => doubling.spawn())
