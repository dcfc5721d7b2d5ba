// Callbacks must be functions.
var c = new algo.Cache('alloc')
