import { nope } from './lib.js'
pipy()
