// The test runs `weir -t` on broken scripts and prints their one-line errors.
pipy().listen('127.0.0.1:28001')
