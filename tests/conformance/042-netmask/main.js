// Netmask (alias IPMask) for IPv4 and IPv6 blocks, the IP class, and malformed blocks.
((
  fields = ['version', 'ip', 'bitmask', 'base', 'mask', 'hostmask', 'broadcast', 'size', 'first', 'last'],
  show = (m) => (
    println(`${m}`),
    fields.forEach(k => println(`  ${k}: ${m[k]}`)),
    println(`  decompose: ${JSON.stringify(m.decompose())}`)
  ),
  bad = (cidr) => invoke(() => (new Netmask(cidr), println(`accepted: ${cidr}`)), e => println(`${e.name}: ${e.message}`)),
) => pipy()

.task()
.onStart(() => (
  show(new Netmask('192.168.1.77/24')),
  show(new Netmask('10.0.0.0/8')),
  show(new Netmask('172.16.5.4')),
  show(new Netmask('0.0.0.0/0')),
  show(new Netmask('10.0.0.0/31')),
  show(new IPMask('fe80::1:2/10')),
  show(new Netmask('2001:db8::/64')),
  show(new Netmask('::1')),
  show(new Netmask(20, [172, 16, 200, 1])),

  println('-- contains'),
  ((m) => ['10.1.2.3', '10.255.255.255', '11.0.0.1', '9.255.255.255', '10.0.0', '10.0.0.256', '010.0.0.1', 'bogus', '', '::ffff:10.0.0.1']
    .forEach(ip => println(`  10.0.0.0/8 contains '${ip}': ${m.contains(ip)}`)))(new Netmask('10.0.0.0/8')),
  ((m) => ['fe80::abcd', 'FE80::1', 'febf:ffff::1', 'fec0::1', '10.0.0.1', 'fe80::g']
    .forEach(ip => println(`  fe80::/10 contains '${ip}': ${m.contains(ip)}`)))(new Netmask('fe80::/10')),
  println(`  IP object: ${new Netmask('10.0.0.0/8').contains(new IP('10.9.9.9'))}`),

  println('-- next'),
  ((m) => println(`  /30: ${[m.next(), m.next(), m.next(), m.next()].map(s => `'${s}'`).join(' ')}`))(new Netmask('192.168.0.4/30')),
  ((m) => println(`  /32: '${m.next()}'`))(new Netmask('192.168.0.4/32')),
  ((m) => println(`  /126: ${[m.next(), m.next(), m.next(), m.next()].map(s => `'${s}'`).join(' ')}`))(new Netmask('2001:db8::/126')),

  println('-- IP'),
  [new IP('192.168.0.1'), new IP('2001:DB8:0:0:1:0:0:1'), new IP('::ffff:1.2.3.4'), new IP([10, 1, 2, 3]), new IP([32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])]
    .forEach(ip => println(`  ${ip} v${ip.version} ${JSON.stringify(ip.decompose())} ${JSON.stringify(ip.toBytes())}`)),
  invoke(() => new IP('300.1.1.1'), e => println(`${e.name}: ${e.message}`)),

  println('-- malformed'),
  bad('10.0.0.0/33'),
  bad('fe80::/129'),
  bad('10.0.0.0/'),
  bad('10.0.0.0/8x'),
  bad('10.0.0.0/-1'),
  bad('10.0.0/8'),
  bad('10.0.0.256/8'),
  bad('fe80:::1/10'),
  bad('example.com/24'),
  bad(' 10.0.0.0/8'),
  bad(''),
  invoke(() => new Netmask(33, [10, 0, 0, 0]), e => println(`${e.name}: ${e.message}`)),
  invoke(() => new Netmask(42), e => println(`${e.name}: ${e.message}`)),
  invoke(() => new Netmask({}), e => println(`${e.name}: ${e.message}`)),
  new StreamEnd
))

)()
