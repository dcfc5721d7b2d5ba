// split() cuts a byte stream into messages at a separator, which is dropped; as in Pipy,
// the end of the input closes one last message (empty here, after the final '\n').
// replaceMessageBody() rewrites each message's whole body, handleMessageBody() sees it.
pipy.read('input', $=>$
  .split('\n')
  .replaceMessageBody(body => new Data(`[${body.size}] ${body.toString().toUpperCase()}\n`))
  .tee('-')
).then(() => pipeline($=>$
  .split(new Data('--'))
  .handleMessageBody(body => println(`body '${body.toString()}'`))
  .replaceMessageBody('x')
  .handleMessage(msg => println(`message '${msg.body.toString()}'`))
).process([new Data('a-'), new Data('-b--'), new Data('--c')]))
