# Sourced by the bench scripts: helpers they share.

# nginx_conf NAME BLOCK: writes $TMP/nginx-NAME.conf, a one-worker nginx without a master
# process, no access log, keep-alive connections that last, BLOCK in its http section.
nginx_conf() {
  mkdir -p "$TMP/nginx-tmp"
  cat >"$TMP/nginx-$1.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx-$1.pid;
error_log $TMP/nginx-$1-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path $TMP/nginx-tmp/body;
  proxy_temp_path $TMP/nginx-tmp/proxy;
  fastcgi_temp_path $TMP/nginx-tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx-tmp/uwsgi;
  scgi_temp_path $TMP/nginx-tmp/scgi;
$2
}
CONF
}

# weir_scripts DIR SERVE_PORT PROXY_PORT BACKEND_PORT SERVE_BODY: the weir scripts of the
# HTTP cases.
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
