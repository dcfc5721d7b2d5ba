pipeline($=>$
  .exec('   ')
)
