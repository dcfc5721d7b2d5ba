// A TCP relay: everything on port 8000 goes to 127.0.0.1:8080 and back.
pipy()
.listen(8000)
.connect('127.0.0.1:8080', { connectTimeout: '5s', retryCount: 2, retryDelay: '1s' })
