// A malformed CIDR in an allow-list stops the load.
var allow = ['10.0.0.0/8', '192.168.0.0/33'].map(cidr => new Netmask(cidr))
pipy().listen(28046)
