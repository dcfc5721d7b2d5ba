// A reverse proxy in the shape of Pipy's tutorial step 03: each request gets its own
// sub-pipeline (demuxHTTP), requests share upstream sessions (muxHTTP), sessions connect.
pipy()
.listen(8000)
.demuxHTTP().to(
  $ => $.muxHTTP().to(
    $ => $.connect('localhost:8080')
  )
)
