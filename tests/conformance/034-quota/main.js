// algo.Quota: consume() grants what is left, produce() adds (up to max), reset(), refills
// every `per` (all at once, or `produce` at a time), and a keyed quota shared by name.
pipy()

.task()
.onStart(() => {
  var q = new algo.Quota(10);
  println('initial', q.initial, q.current);
  println('consume', q.consume(3), q.consume(5), q.consume(5), q.consume(1), q.current);
  q.produce(4);
  println('produce', q.current);
  q.reset();
  println('reset', q.current);
  q.produce(5);
  q.reset();
  println('reset from above', q.current);

  var capped = new algo.Quota(5, { max: 8 });
  capped.produce(10);
  println('max', capped.current);

  var whole = new algo.Quota(100, { per: 0.2 });
  var step = new algo.Quota(100, { per: '200ms', produce: 30 });
  println('take', whole.consume(100), step.consume(100));

  var a = new algo.Quota(50, { key: 'shared-bucket' });
  var b = new algo.Quota(999, { key: 'shared-bucket' });
  a.consume(20);
  println('keyed', b.initial, b.current);

  var t = new Timeout(0.3);
  return t.wait().then(() => {
    println('after 300ms', whole.current, step.current);
    return new Timeout(0.4).wait();
  }).then(() => {
    println('after 700ms', whole.current, step.current);
    return new Timeout(0.4).wait();
  }).then(() => {
    println('after 1100ms', whole.current, step.current);
    return new StreamEnd;
  });
})
