// pipy.list, pipy.watch (a Promise of the changed paths), pipy.performance.now.
invoke(() => os.unlink('data/b.txt'), () => null)

println(pipy.list('/data/').join(','))
println(typeof pipy.performance.now(), pipy.performance.now() >= 0)

pipy.watch('/data/').then(paths => (
  println('changed:', paths.join(',')),
  os.unlink('data/b.txt')
))

new Timeout(0.2).wait().then(() => os.writeFile('data/b.txt', 'new'))
