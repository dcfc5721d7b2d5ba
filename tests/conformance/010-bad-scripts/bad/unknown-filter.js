pipy()
.listen(28002)
.notAFilter()
