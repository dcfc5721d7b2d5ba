// algo.Cache: allocate on a miss, size eviction (least recently used first) with free(),
// ttl expiry, find/has/remove/clear, and keys compared as Pipy does.
var log = [];
var cache = new algo.Cache(
  key => (log.push(`alloc ${key}`), `value of ${key}`),
  (key, value) => log.push(`free ${key}=${value}`),
  { size: 3 }
);
var flush = () => (println(log.join(', ')), log = []);

pipy()

.task()
.onStart(() => {
  println(cache.get('a'), '|', cache.get('b'), '|', cache.get('a'));
  flush();
  cache.set('c', 'C');
  cache.set('d', 'D');
  flush();
  cache.get('a');
  cache.set('e', 'E');
  println('find', cache.find('a'), cache.find('b'), cache.find('c'), cache.find('e'));
  flush();
  println('has', cache.has('a'), cache.has('zzz'));
  println('remove', cache.remove('a'), cache.remove('a'));
  flush();
  cache.clear();
  flush();
  println('after clear', cache.find('e'), cache.has('d'));

  var keys = new algo.Cache();
  var o1 = {}, o2 = {};
  keys.set(1, 'number 1');
  keys.set('1', 'string 1');
  keys.set(o1, 'object 1');
  keys.set(-0, 'zero');
  println(keys.get(1), '/', keys.get('1'), '/', keys.get(o1), '/', keys.get(o2), '/', keys.get(0));
  println('no allocate', keys.get('missing'));

  var pool = new algo.Cache(null, null, { ttl: 0.5 });
  pool.set('x', 1);
  return new Timeout(0.05).wait().then(() => {
    println('ttl before', pool.find('x'));
    return new Timeout(0.6).wait();
  }).then(() => {
    println('ttl after', pool.find('x'), pool.has('x'));
    var counted = new algo.Cache(k => k.length, null, { ttl: '50ms' });
    println('reallocated', counted.get('four'));
    return new StreamEnd;
  });
})
