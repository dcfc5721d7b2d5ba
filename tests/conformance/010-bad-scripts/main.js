// The test runs `weir -t` on broken scripts and prints their one-line errors.
pipy().listen(28001)
