// The test runs `weir -t` on scripts that misuse algo.* and stats.* and prints their
// one-line errors.
pipy().listen('127.0.0.1:29090')
