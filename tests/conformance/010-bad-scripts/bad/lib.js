export var fine = 1
