import { a } from './nowhere.js'
