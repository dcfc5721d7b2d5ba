pipeline($=>$.pipe('x', { x: 'not a pipeline' }))
