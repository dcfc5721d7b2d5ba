// http.File: static files from the codebase with their pre-compressed siblings.
var missing = http.File.from('www/nope.html')
var thrown = ''
try {
  new http.File('www/nope.html')
} catch (e) {
  thrown = e.message
}

pipy.listen('127.0.0.1:28620', $=>$.serveHTTP(
  function (req) {
    var path = req.head.path
    if (path === '/checks') {
      return new Message(`from(missing): ${missing}\nnew File(missing): ${thrown}\n`)
    }
    if (path === '/no-argument') {
      return http.File.from('www/app.js').toMessage()
    }
    var f = http.File.from('www' + path)
    return f ? f.toMessage(req.head.headers['accept-encoding']) : new Message({ status: 404 }, `no file for ${path}\n`)
  }
))
