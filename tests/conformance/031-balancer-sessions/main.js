// Balancer sessions: next()/borrow() keep a borrower on one target until the borrower goes
// away (an object when it is collected, the stream by default when it ends); next({}) is a
// fresh choice per call; select() has no session; unhealthy caches; set() and deselect().
var show = r => r ? r.id : 'none';
var picks = (n, f) => [...Array(n)].map(f).join(' ');

var rr = new algo.RoundRobinLoadBalancer({ a: 3, b: 2, c: 1 });
var lw = new algo.LeastWorkLoadBalancer(['x', 'y']);
var b1 = {}, b2 = {};

pipy()

.task()
.onStart(() => {
  println('weighted', picks(12, () => rr.select()));

  println('sticky', show(lw.next(b1)), show(lw.next(b1)), show(lw.next(b2)), show(lw.borrow(b2)));
  println('same object', lw.next(b1) === lw.next(b1), lw.next(b1) !== lw.next(b2));
  println('fresh', show(lw.next({})), show(lw.next({})));
  println('stream', show(lw.next()), show(lw.next()));
  b1 = null;
  return new StreamEnd;
})

.task()
.onStart(() => new Timeout(0.1).wait().then(() => {
  // b1, both {} and the first task's stream are gone: only b2 (on y) is still open.
  println('released', show(lw.next({})), show(lw.next(b2)));

  var sick = new algo.Cache();
  var hb = new algo.RoundRobinLoadBalancer(['p', 'q', 'r'], sick);
  var who = {};
  println('before', show(hb.next(who)), picks(3, () => hb.select()));
  sick.set('p', true);
  sick.set('r', 0);
  println('p sick', show(hb.next(who)), picks(4, () => hb.select()));
  var also = new algo.Cache();
  also.set('q', 'down');
  println('q sick too', show(hb.next({}, undefined, also)), hb.select(undefined, also));
  sick.remove('p');
  println('p back', picks(4, () => hb.select()));

  println('keyed', picks(3, () => rr.select('user-1')), picks(3, () => rr.select('user-2')));
  rr.set({ a: 1, c: 1 });
  println('after set', picks(4, () => rr.select()));
  rr.set('d', 2);
  println('after set d', picks(8, () => rr.select()));

  var h = new algo.HashingLoadBalancer(['h1', 'h2', 'h3']);
  println('hashing', ['k1', 'k2', 'k3', 'k1', 42, 42].map(k => h.select(k)).join(' '));
  h.add('h4');
  println('hashing after add', ['k1', 'k2', 'k3'].map(k => h.select(k)).join(' '));

  var lw2 = new algo.LeastWorkLoadBalancer({ m: 1, n: 1 });
  println('least work', picks(4, () => lw2.select()));
  lw2.deselect('m');
  lw2.deselect('m');
  println('after deselect', picks(3, () => lw2.select()));
  return new StreamEnd;
}))
