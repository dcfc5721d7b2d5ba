// Backend for the proxy: a constant and an echo.
pipy()
.listen(8080).serveHTTP(new Message('Hello from weir!\n'))
.listen(8081).serveHTTP(req => new Message(req.body))
