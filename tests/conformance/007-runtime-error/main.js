// An exception in a callback ends only that stream (RuntimeError); others carry on.
pipy()
.listen('127.0.0.1:28701')
.replaceData(d => d.toString().startsWith('boom') ? undefinedFunction() : new Data('ok\n'))
.listen('127.0.0.1:28702')
.replaceData(() => 42)
