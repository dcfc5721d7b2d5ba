// Sets __turnDown while handling the request: the next module's turnDown() sees it.
pipy()
.import({ __mode: 'main', __turnDown: 'main' })
.pipeline('request')
.handleStreamStart(() => { if (__mode === 'b') __turnDown = true })
.replaceData(d => new Data(d.toString() + '>b'))
.pipeline('response')
.replaceData(d => new Data(d.toString() + '<b'))
