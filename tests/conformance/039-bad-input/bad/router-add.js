// Patterns are strings.
new algo.URLRouter().add(42, 'x')
