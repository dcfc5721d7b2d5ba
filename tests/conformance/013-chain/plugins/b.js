pipy()
.import({ __steps: 'main' })
.pipeline()
.handleStreamStart(() => __steps.push('b'))
.branch(
  () => true, $=>$.replaceData(d => new Data(d.toString() + 'B')).chain(),
  $=>$.dummy()
)
.pipeline('request')
.replaceData(d => new Data(d.toString() + '>b'))
