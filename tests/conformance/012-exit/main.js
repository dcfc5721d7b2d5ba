// pipy.exit(fn) registers a shutdown hook whose promise delays the exit; pipy.exit(code)
// stops listening and exits once everything has finished.
pipy.exit(() => new Timeout(0.2).wait().then(() => println('hook done')))

pipy()
.listen('127.0.0.1:28120')
.task()
.onStart(() => (println('exiting'), pipy.exit(0), new StreamEnd))
