pipy()
.export("ns", { __a: 1 })
.export("ns", { __a: 2 })
