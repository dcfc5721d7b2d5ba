// Plugins in the shape of Pipy's tutorial steps 06-07, written our own way: the config is
// solved once per thread, a plugin chain runs per request, and the plugins share the
// exported __service variable.
((
  config = pipy.solve('config.js'),
) => pipy()

.export('proxy', { __service: undefined })

.listen(config.port)
.demuxHTTP().to($ => $.chain(config.plugins))

)()
