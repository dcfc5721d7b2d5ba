pipy()
.pipeline()
.replaceMessage(new Message({ status: 404 }, 'no plugin answered\n'))
