var a = pipeline($=>$.pipeNext())
pipeline($=>$.pipe([a, 'nope']))
