pipeline($=>$
  .pipe(42)
)
