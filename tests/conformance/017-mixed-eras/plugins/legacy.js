((
  helper = pipy.import('./helper.js'),
) => pipy({ _count: 0 })

.pipeline()
.handleData(() => _count++)
.replaceData(d => new Data(`${helper.shout(d.toString().trim())} (#${_count})\n`))

)()
