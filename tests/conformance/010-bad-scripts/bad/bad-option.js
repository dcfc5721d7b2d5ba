pipy()
.listen(28002, { idleTimeout: "soon" })
