// Only a response pipeline: skipped on the way up (turnDown() is not asked for it).
pipy()
.pipeline('response')
.replaceData(d => new Data(d.toString() + '<c'))
