// chain([modules]) runs each module's entrance; chain() inside it moves on (also from
// inside a branch); past the last module events pass through. use([...], 'req', 'resp')
// joins request pipelines in order and response pipelines in reverse.
pipy({ _trace: '' })
.export('main', { __steps: [] })
.task()
.onStart(() => [new Data('x'), new StreamEnd])
.chain(['plugins/a.js', 'plugins/b.js', 'plugins/c.js'])
.handleData(d => println(`after chain: ${d.toString()} steps=${__steps.join(',')}`))
.use(['plugins/a.js', 'plugins/b.js', 'plugins/c.js'], 'request', 'response')
.handleData(d => println(`after use: ${d.toString()}`))
