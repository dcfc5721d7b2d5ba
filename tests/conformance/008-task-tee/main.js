// A one-shot task streams through tee('-') and the process exits by itself.
pipy({ _n: 0 })
.task()
.onStart(() => [new Data('hello '), new Data(`world ${repeat(3, i => i === 2 ? i : undefined)}\n`)])
.handleData(() => _n++)
.tee('-')
.replaceStreamStart(evt => new Timeout(0.1).wait().then([evt, new StreamEnd]))
.handleStreamEnd(() => println(`chunks ${_n}`, branch(_n > 1, 'many', 'few'), select(_n, 2, 'two', 'other')))
