pipy()
.listen(28002)
.link("missing")
