// The same proxy in the oldest (era A) style: sub-pipelines referred to by name, and a
// muxHTTP key given as a plain value.
pipy()
.listen(8000).demuxHTTP('per-request')
.pipeline('per-request').muxHTTP('upstream', 'one-session')
.pipeline('upstream').connect('localhost:8081')
