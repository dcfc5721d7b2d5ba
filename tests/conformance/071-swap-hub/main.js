// swap(hub): every stream joined to a pipeline.Hub gets what the others send (not its
// own), StreamEnd included. swap(fn) picks the hub on the first event (null: wait).
// hub.broadcast(events) sends to every joined stream.
var lobby = new pipeline.Hub
var rooms = {}
var $room

// 28700: everyone in one hub.
pipy.listen('127.0.0.1:28700', $=>$.swap(lobby))

// 28701: the first line names the room; until then the stream waits.
pipy.listen('127.0.0.1:28701', $=>$
  .handleData(d => { $room ??= (rooms[d.toString().trim()] ??= new pipeline.Hub) })
  .swap(() => $room)
)

// 28702: an announcement to the lobby from script code.
pipy.listen('127.0.0.1:28702', $=>$
  .replaceData(d => (lobby.broadcast(new Data(`announce ${d.toString()}`)), new Data('sent\n')))
)
