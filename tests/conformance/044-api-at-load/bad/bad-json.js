// A config with a trailing comma.
var config = JSON.decode(new Data('{"port": 28046,}'))
pipy().listen(config.port)
