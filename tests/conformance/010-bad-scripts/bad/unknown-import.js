pipy()
.import({ __x: "nowhere" })
.listen(28002)
