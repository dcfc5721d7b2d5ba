// The test runs `weir -t` on scripts whose static pipe()/exec()/split() arguments are wrong:
// each is a load error naming the file and line.
pipy().listen('127.0.0.1:28053')
