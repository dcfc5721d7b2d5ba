// exec(command | argv): input Data goes to the child's stdin (StreamEnd closes it), what it
// writes to stdout comes out as Data, and its exit ends the stream. onExit(code, stderr)
// hears how it went; {stderr: true} outputs stderr too. A dropped pipeline kills its child.
var $cmd
var text = events => events.filter(e => e instanceof Data).map(e => e.toString().trim())

pipy.read('input', $=>$
  .exec('cat')
  .exec(['tr', 'a-z', 'A-Z'])
  .tee('-')
).then(() => pipeline($=>$
  .exec(['sh', '-c', 'cat >/dev/null; echo oops >&2; echo "$GREETING"; exit 3'], {
    env: { GREETING: 'hello from env' },
    onExit: (code, stderr) => void println(`exited with ${code}, stderr '${stderr.toString().trim()}'`),
  })
  .handleData(d => println(`stdout: ${d.toString().trim()}`))
).process(new Data('ignored'))).then(() => pipeline($=>$
  .exec("sh -c 'echo out; echo err >&2'", { stderr: true })
).process()).then(events => (
  println(`with stderr: ${text(events).sort().join(', ')}`),
  pipeline($=>$.exec('no-such-program-for-weir')).process(new Data('x'))
)).then(events => (
  println(`missing program: ${events.map(e => e.error).join(', ')}`),
  pipeline($=>$
    .forkRace(['echo fast', 'sleep 31.5']).to($=>$
      .onStart(cmd => void ($cmd = cmd))
      .exec(() => $cmd)
    )
  ).process()
)).then(events => (
  println(`race: ${text(events).join(', ')}`),
  new Timeout(0.2).wait()
)).then(() => pipeline($=>$
  .exec(['sh', '-c', 'pgrep -f "sleep 3[1].5" || echo "the loser was killed"'])
).process()).then(events => println(text(events).join(', ')))
