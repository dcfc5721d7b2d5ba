// A pattern needs a '/'.
var r = new algo.URLRouter({ 'no-slash': 1 })
