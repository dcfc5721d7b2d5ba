import { greet } from './helper.js'
export function fromB() { return 'b sees greet: ' + typeof greet }
export default { name: 'default of b' }
