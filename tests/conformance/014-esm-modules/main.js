// A module graph of three files with a cycle (lib/helper.js <-> lib/b.js), default,
// named, namespace and re-exports, pipy.import(), and a top-level return.
import { greet, counter } from './lib/helper.js'
import * as both from './lib/helper.js'
import def, { fromB as again } from './lib/b.js'

println(greet('weir'), counter(), both.counter(), def.name, again === both.fromB)
println(Object.keys(pipy.import('./lib/helper.js')).sort().join(','))

pipy()
.task()
.onStart(() => [new Data(greet('a stream') + '\n'), new StreamEnd])
.tee('-')

return
println('not reached')
