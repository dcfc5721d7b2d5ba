// A new-style listener chaining into a legacy pipy() plugin, and a legacy plugin importing
// a new-style helper.
import { shout } from './plugins/helper.js'

pipy.listen('127.0.0.1:28170', $=>$
  .onStart(() => new Data(shout('welcome') + '\n'))
  .chain(['plugins/legacy.js'])
)
