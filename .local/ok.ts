import { closestKey, rejectUnknownKeys } from '../src/option-keys.ts'
console.log(closestKey('depends', ['handler','dependsOn','retry','timeout','params']))
console.log(closestKey('thread', ['threads','maxConcurrency','storage']))
console.log(closestKey('xyzzy', ['threads','maxConcurrency','storage']))
try { rejectUnknownKeys({thread:4}, ['threads','storage'], 'new Engine()') } catch (e) { console.log(e.message) }
