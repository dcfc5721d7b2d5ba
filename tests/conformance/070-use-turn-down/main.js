// use([modules], 'request', 'response', turnDown): turnDown() is asked once per stream
// before the stream enters each module that has a request pipeline; when it returns
// true the stream turns back down through the modules it has passed. Modules without a
// request (or response) pipeline are skipped in that direction.
pipy()
.export('main', { __mode: '', __turnDown: false, __asked: '' })
.pipeline('run')
.use(
  ['plugins/a.js', 'plugins/b.js', 'plugins/c.js', 'plugins/d.js'],
  'request', 'response',
  () => (__asked += `[${__turnDown}]`, __turnDown || __mode === 'first')
)
.handleData(d => println(`${__mode}: ${d.toString()} asked ${__asked}`))
.task()
.onStart(() => [new Data('x'), new StreamEnd])
.fork('run', () => [{ __mode: 'none' }, { __mode: 'b' }, { __mode: 'first' }])

// A function in third place is turnDown, with no response pipelines.
.pipeline('no-down')
.use(
  ['plugins/a.js', 'plugins/b.js', 'plugins/c.js', 'plugins/d.js'],
  'request',
  () => (__asked += '?', __mode === 'second' && __asked.length === 2)
)
.handleData(d => println(`${__mode}, no response pipelines: ${d.toString()} asked ${__asked}`))
.task()
.onStart(() => [new Data('y'), new StreamEnd])
.fork('no-down', () => [{ __mode: 'all' }, { __mode: 'second' }])
