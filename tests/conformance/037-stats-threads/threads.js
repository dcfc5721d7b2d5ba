// Run with --threads=3: every thread registers the same metrics by name and updates its
// own part; once all have (counted in a SharedMap), thread 0 reads the sums.
var hits = new stats.Counter('weir_threads_hits', ['thread']);
var level = new stats.Gauge('weir_threads_level');
var sizes = new stats.Histogram('weir_threads_sizes', [10, 100]);
var done = new algo.SharedMap('weir-threads-done');

var allDone = () => (
  done.get('n') < __thread.concurrency ? new Timeout(0.01).wait().then(allDone) : true
);

pipy()

.task()
.onStart(() => {
  hits.increase(10);
  hits.withLabels(__thread.id).increase(__thread.id + 1);
  level.set(5);
  sizes.observe(50);
  done.add('n', 1);
  return new Timeout(0).wait().then(allDone).then(() => {
    if (__thread.id === 0) {
      println('threads', __thread.concurrency);
      println('hits', hits.valueOf(), [0, 1, 2].map(t => hits.withLabels(t).valueOf()).join(' '));
      println('level', level.valueOf());
      println('sizes', JSON.stringify(sizes.valueOf()));
    }
    return new StreamEnd;
  });
})
