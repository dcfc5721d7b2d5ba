pipy()
.listen(28002
.dummy(
