// Exported context variables seen from another module; use() shares the context.
pipy({ _local: 'L' })
.export('demo', { __route: 'none' })
.listen('127.0.0.1:28901')
.handleData(d => __route = d.toString().trim())
.use('plugins/greet.js', 'greet')
.use('plugins/greet.js')
