// The hello-world of Pipy's tutorial (step 01), written our own way: one constant answer.
pipy().listen(8080).serveHTTP(new Message('Hello from weir!\n'))
