// Second version, in the newer style: 28741 answers v2, 28742 is gone, 28743 is new.
pipy.listen('127.0.0.1:28741', $=>$.serveHTTP(new Message('v2\n')))
pipy.listen('127.0.0.1:28743', $=>$.serveHTTP(new Message('C\n')))
