// stats.Counter / Gauge / Histogram: each label path is its own series (the total is not
// the sum of the labelled ones; scripts increase both, as Pipy's stress client does).
var requests = new stats.Counter('weir_test_requests', ['method', 'status']);
var inflight = new stats.Gauge('weir_test_inflight', ['pool']);
var latency = new stats.Histogram('weir_test_latency', [1, 5, 10, Infinity], ['route']);

[['GET', 200], ['GET', 200], ['GET', 404], ['POST', 201]].forEach(([method, status]) => {
  requests.increase();
  requests.withLabels(method).increase();
  requests.withLabels(method, status).increase();
});
requests.withLabels('GET', '200').increase(10);

println('total', requests.valueOf(), requests.value, +requests);
println('GET', requests.withLabels('GET').valueOf(), 'GET 200', requests.withLabels('GET', 200).valueOf(),
  'GET 404', requests.withLabels('GET', 404).valueOf(), 'POST 201', requests.withLabels('POST', 201).value);
println('same series', requests.withLabels('GET', 200) === requests.withLabels('GET').withLabels(200));
println('extra labels ignored', requests.withLabels('PUT', 500, 'x').valueOf());
println('untouched', requests.withLabels('HEAD').valueOf(), requests.name);
requests.withLabels('POST').decrease();
requests.withLabels('POST', 201).decrease(0.5);
println('decrease', requests.withLabels('POST').valueOf(), requests.withLabels('POST', 201).valueOf());

inflight.set(3);
inflight.withLabels('a').increase();
inflight.withLabels('a').increase(4);
inflight.withLabels('a').decrease(2);
inflight.withLabels('b').decrease();
println('gauge', inflight.valueOf(), inflight.withLabels('a').valueOf(), inflight.withLabels('b').valueOf());
inflight.zero();
println('gauge zero', inflight.valueOf(), inflight.withLabels('a').valueOf());

[0.5, 1, 3, 7, 20, 1000].forEach(x => latency.observe(x));
latency.withLabels('/api').observe(4);
println('histogram', JSON.stringify(latency.valueOf()), JSON.stringify(latency.withLabels('/api').valueOf()));
latency.zero();
println('histogram zero', JSON.stringify(latency.valueOf()));

var again = new stats.Counter('weir_test_requests', ['method', 'status']);
println('registered by name', again.valueOf(), again.withLabels('GET', 200).valueOf());
pipy()
