// `var $x` is per stream: concurrent streams that write it, then hold their data in a
// `wait` whose promise takes a different time each, never see each other's value; a plain
// `var` is shared by the thread.
var $name
var $n = 0
var total = 0

pipy.listen('127.0.0.1:28150', $=>$
  .handleData(d => { $name = d.toString().trim(); $n++; total++ })
  .wait(() => new Timeout($name.length * 0.1).wait())
  .replaceData(() => new Data(`${$name} n=${$n}\n`))
)
