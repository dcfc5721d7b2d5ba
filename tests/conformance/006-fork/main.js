// fork(array) runs one branch per element with a cloned context (era A initializers set
// context variables); the main stream passes through untouched.
pipy({ _name: 'main' })
.pipeline('branch')
.handleData(() => println(`branch ${_name}`))
.task()
.onStart(new Data('x'))
.fork('branch', () => [{ _name: 'one' }, { _name: 'two' }])
.handleData(() => println(`after fork ${_name}`))
.fork().to($=>$.handleData(() => println(`shared ${_name}`)))
.replaceData(() => new StreamEnd)
