// pipy.listen() with a pipeline() layout and onStart(inbound).
var $peer

var echo = pipeline($=>$
  .onStart(inbound => { $peer = inbound.remoteAddress })
  .replaceData(d => new Data(`${$peer} says ${d.toString()}`))
)

pipy.listen('127.0.0.1:28160', echo)
