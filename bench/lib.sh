# Sourced by the bench scripts: writes the weir scripts of the HTTP cases into a folder.
#   weir_scripts DIR SERVE_PORT PROXY_PORT BACKEND_PORT SERVE_BODY
# serve:  a constant answer.
# proxy:  Pipy's tutorial step 03 (demuxHTTP -> muxHTTP -> connect).
# router: the proxy plus the scripting Pipy's tutorial step 04 does per request (a
#         handleMessageStart callback writing a context variable from URLRouter.find, a
#         branch on it, a muxHTTP key and a connect target from callbacks). nginx and
#         HAProxy run their plain proxy config for it, so weir's router-vs-proxy difference
#         is the cost of the scripting.
weir_scripts() {
  local dir=$1 p_serve=$2 p_proxy=$3 p_be=$4 body=$5
  cat >"$dir/weir-serve.js" <<JS
pipy().listen('127.0.0.1:$p_serve').serveHTTP(new Message('$body'))
JS
  cat >"$dir/weir-proxy.js" <<JS
pipy().listen('127.0.0.1:$p_proxy').demuxHTTP().to(\$=>\$.muxHTTP().to(\$=>\$.connect('127.0.0.1:$p_be')))
JS
  cat >"$dir/weir-router.js" <<JS
((router = new algo.URLRouter({ '/*': '127.0.0.1:$p_be' })) => pipy({ _target: undefined })
.listen('127.0.0.1:$p_proxy')
.demuxHTTP().to(\$=>\$
  .handleMessageStart(msg => _target = router.find(msg.head.headers.host, msg.head.path))
  .branch(
    () => Boolean(_target), \$=>\$.muxHTTP(() => _target).to(\$=>\$.connect(() => _target)),
    \$=>\$.replaceMessage(new Message({ status: 404 }, 'No route'))
  )
))()
JS
}
