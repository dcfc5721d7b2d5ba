// A URL must be a string.
var upstream = new URL(8080)
pipy().listen(28046)
