// replay, runtime and static branch, wait, insert, onEnd, config-time repeat,
// pipy.solve and pipy.load, all in one task that exits by itself.
((config, text) => pipy({ _tries: 0, _checks: 0 })

.pipeline('flaky')
.handleStreamStart(() => _tries++)
.replaceData(d => _tries < 3 ? new StreamEnd('Replay') : d)

.task()
.onStart(() => [new Data('x'), new StreamEnd])
.onEnd(() => println('ended'))
.repeat(['a', 'b'], ($, v, i) => $.handleStreamStart(() => println(`repeat ${v} ${i}`)))
.replay({ delay: 0.01 }).to('flaky')
.handleData(d => println(`passed after ${_tries} tries: ${d.toString()}`))
.branch(
  () => _tries === 3, $=>$.handleData(() => println('branch: three')),
  $=>$.handleData(() => println('branch: other'))
)
.branch(
  config.list.length > 5, $=>$.handleData(() => println('static: wrong')),
  $=>$.insert(new Data(`${config.greeting} `))
)
.wait(() => ++_checks >= 3)
.handleData(d => println(`after ${_checks} checks: ${d.toString()} / ${text.toString().trim()}`))

)(pipy.solve('config.js'), pipy.load('data.txt'))
