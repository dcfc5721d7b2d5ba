var a = pipeline($=>$.dummy())
pipeline($=>$
  .pipe('b', { a })
)
