// algo.Percentile, algo.hash (libstdc++ std::hash values, as Pipy on Linux), algo.uuid,
// algo.ResourcePool and algo.SharedMap.
var p = new algo.Percentile([10, 20, 30, 40]);
for (var i = 0; i < 100; i++) p.observe((i % 4) * 10 + 5);
println('percentile', [0, 10, 50, 90, 100, 101].map(n => p.calculate(n)).join(' '));
p.observe(1000);
p.reset();
p.observe(15);
println('after reset', p.calculate(100));

println('hash', algo.hash('hello world'), algo.hash('10.0.0.1'), algo.hash(''), algo.hash(42), algo.hash(1), algo.hash(0), algo.hash(-0));
var o = {};
println('object hash', algo.hash(o) === algo.hash(o), algo.hash(o) !== algo.hash({}), algo.hash(undefined), algo.hash(null));

var ids = [...Array(100)].map(() => algo.uuid());
println('uuid', ids.every(u => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)), new Set(ids).size);

var made = 0;
var pool = new algo.ResourcePool(tag => ({ tag: tag, n: ++made }));
var r1 = pool.allocate('db'), r2 = pool.allocate('db'), r3 = pool.allocate('cache');
pool.free(r1);
pool.free(r3);
pool.free({ tag: 'db', n: 1 });
var r4 = pool.allocate('db'), r5 = pool.allocate('db');
println('pool', r1.n, r2.n, r3.n, r4 === r1, r5.n, pool.allocate('cache') === r3, made);

var m = new algo.SharedMap('035');
m.set('n', 1);
m.set('s', 'text');
m.set('o', { list: [1, 'two', null], nested: { yes: true } });
m.set('d', new Data('bytes'));
println('shared', m.add('n', 10), m.sub('n', 2.5), m.add('fresh', 1), m.size);
println('shared get', m.get('n'), m.get('s'), JSON.stringify(m.get('o')), m.get('d').toString(), m.get('none'));
println('same name', new algo.SharedMap('035').get('s'), new algo.SharedMap('other').get('s'));
println('delete', m.delete('s'), m.delete('s'), m.has('s'), m.has('n'));
m.clear();
println('clear', m.size);
pipy()
