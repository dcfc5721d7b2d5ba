// Three backends: a constant, an echo, and who-is-asking.
pipy()
.listen(8080).serveHTTP(new Message('Hello from weir!\n'))
.listen(8081).serveHTTP(req => new Message(req.body))
.listen(8082).serveHTTP(req => new Message(`path ${req.head.path}, client ${__inbound.remoteAddress}\n`))
