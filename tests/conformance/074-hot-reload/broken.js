// A reload with a missing pipeline must fail and keep the program that runs.
pipy()
.listen('127.0.0.1:28741')
.link('nowhere')
