// read(file, {seek, size}) outputs a codebase file's contents on the first event, then
// StreamEnd (the input is discarded); a missing file ends the stream with ReadError.
var show = events => events.map(
  e => e instanceof Data ? `Data '${e.toString()}'` : `StreamEnd${e.error ? ' ' + e.error : ''}`
).join(', ')

pipeline($=>$.read('data.txt')).process(new Data('ignored'))
  .then(ev => println(`whole: ${show(ev)}`))
  .then(() => pipeline($=>$.read('/data.txt', { seek: 6, size: 5 })).process(new Data))
  .then(ev => println(`seek 6, size 5: ${show(ev)}`))
  .then(() => pipeline($=>$.read(() => 'sub/' + 'other.txt', { size: () => 3 })).process(new Data))
  .then(ev => println(`by function: ${show(ev)}`))
  .then(() => pipeline($=>$.read('missing.txt')).process(new Data))
  .then(ev => println(`missing: ${show(ev)}`))
