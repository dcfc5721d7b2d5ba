// The initial quota is a number.
new algo.Quota('lots')
