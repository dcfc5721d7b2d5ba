// algo.URLRouter precedence (exact path, deepest '*' prefix, host, '*.' host, host-less)
// and algo.LoadBalancer (1.x): allocate/free with capacity, tags, validators, provision,
// schedule, and object targets with key/weight functions.
var r = new algo.URLRouter({
  '/': 'root',
  '/*': 'catch-all',
  '/api/*': 'api',
  '/api/v1/*': 'api v1',
  '/api/v1/users': 'users exact',
  'example.com/*': 'example any',
  'example.com/docs/*': 'example docs',
  '*.example.com/*': 'sub example',
});
r.add('/api/v2/*', 'api v2');
r.add('/api/*', 'api replaced');
r.add('/obj', { n: 1 });

[
  ['/'], ['/x/y'], ['/api'], ['/api/'], ['/api/v1/users'], ['/api/v1/users/7'],
  ['/api/v1/users?page=2'], ['/api/v2'], ['example.com', '/docs/a'],
  ['example.com:8080', '/other'], ['www.example.com', '/'], ['a.b.example.com', '/z'],
  ['other.org', '/api/v1/x'], ['/api', 'v1', 'users'], [undefined, '/api', null], ['nohost'],
].forEach(args => println(JSON.stringify(args), '->', r.find(...args)));
println('object value', r.find('/obj').n);

var lb = new algo.LoadBalancer(['a', 'b', 'c'], { capacity: 2 });
var held = [...Array(7)].map(() => lb.allocate());
println('round robin', held.map(r => r.target).join(' '));
println('shared when full', held[0] === held[3], held[3] === held[6], held[0] === held[6]);
held.forEach(r => r.free());
println('tag', lb.allocate('c').target, lb.allocate('nope').target);
println('validator', [...Array(4)].map(() => lb.allocate(undefined, t => t !== 'a').target).join(' '));
var out = new algo.Cache();
out.set('b', true);
println('excluded', [...Array(4)].map(() => lb.allocate(undefined, out).target).join(' '));
println('none eligible', lb.allocate(undefined, () => false));
println('schedule', lb.schedule(6).join(' '));
lb.provision(['a', 'd']);
println('provisioned', lb.schedule(4).join(' '));

var hosts = new algo.LoadBalancer(
  [{ host: 'x', w: 3 }, { host: 'y', w: 1 }],
  { algorithm: 'least-load', key: t => t.host, weight: t => t.w }
);
var got = [...Array(8)].map(() => hosts.allocate());
println('least-load', got.map(r => r.target.host).join(''));
got.slice(0, 3).forEach(r => r.free());
println('after free', [...Array(3)].map(() => hosts.allocate().target.host).join(''));
println('by key', hosts.allocate('y').target.host);
pipy()
