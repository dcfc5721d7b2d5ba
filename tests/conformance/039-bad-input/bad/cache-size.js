// Sizes cannot be negative.
var c = new algo.Cache(null, null, { size: -1 })
