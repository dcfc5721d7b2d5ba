import { fromB } from './b.js'
export { fromB } from './b.js'
var n = 0
export function greet(who) { return `hello ${who} (${fromB()})` }
export var counter = () => ++n
