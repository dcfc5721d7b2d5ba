// Functions cannot cross threads.
new algo.SharedMap('m').set('f', () => 1)
