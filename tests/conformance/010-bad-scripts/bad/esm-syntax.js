import { a } from
var  = 1
