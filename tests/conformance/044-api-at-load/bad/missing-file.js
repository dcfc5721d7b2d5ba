// os.read() of a missing file throws; os.readFile() would return null.
var cert = os.read('/nonexistent/weir/cert.pem')
pipy().listen(28046)
