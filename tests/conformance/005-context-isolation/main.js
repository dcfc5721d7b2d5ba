// Two or more streams write the same context variable across async waits: each must only
// ever see its own value, in callbacks, in helper functions built at load time and in
// promise continuations.
var setFromHelper = v => { _who = v };
var readFromHelper = () => _who;

pipy({ _who: '', _count: 0 })
.listen('127.0.0.1:28501')
.replaceData(d => (
  setFromHelper(d.toString().trim()),
  new Timeout(d.toString().trim().length * 0.1).wait()
    .then(() => new Timeout(0.05).wait())
    .then(() => (_count++, new Data(`${readFromHelper()} ${_who} ${_count}\n`)))
))
