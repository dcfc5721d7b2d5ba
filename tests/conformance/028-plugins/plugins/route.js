((
  config = pipy.solve('config.js'),
  routes = new algo.URLRouter(config.routes),
) => pipy()

.import({ __service: 'proxy' })

.pipeline()
.handleMessageStart(req => __service = routes.find(req.head.headers.host, req.head.path))
.chain()

)()
