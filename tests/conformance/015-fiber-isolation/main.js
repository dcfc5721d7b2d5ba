// `var $x` is per stream: concurrent streams that write it across waits never see each
// other's value; a plain `var` is shared by the thread.
var $name
var $n = 0
var total = 0

pipy.listen(28150, $=>$
  .replaceData(d => {
    $name = d.toString().trim()
    $n++
    total++
    return new Timeout($name.length * 0.1).wait().then(() => new Data(`${$name} n=${$n}\n`))
  })
)
