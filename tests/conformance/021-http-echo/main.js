// The shape of Pipy's tutorial step 02, in our own words: a constant, an echo of the
// request body, and an answer built from the request head and __inbound.
pipy()
.listen(8080).serveHTTP(new Message('Hello from weir!\n'))
.listen(8081).serveHTTP(req => new Message(req.body))
.listen(8082).serveHTTP(req => new Message(`path ${req.head.path}, client ${__inbound.remoteAddress}\n`))
