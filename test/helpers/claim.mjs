// One process claiming one failure case, for the test that N processes claiming at once
// get exactly one winner. Usage: node claim.mjs <executionId> <instanceId> with GT_DB
// (JSON storage options). Connects, prints "ready", claims when a line arrives on
// stdin, prints { won } and exits.
import { createInterface } from 'node:readline'
import { MySQLStorage } from '../../dist/mysql.js'

const [executionId, instanceId] = process.argv.slice(2)
const storage = new MySQLStorage(JSON.parse(process.env.GT_DB))
// A read first, so that the connection of the claim is open before the signal.
await storage.getRetryRecord(executionId)
process.stdout.write('ready\n')
const lines = createInterface({ input: process.stdin })
for await (const _line of lines) break
lines.close()
process.stdin.destroy()
const won = await storage.claimRetry(executionId, instanceId, Date.now())
process.stdout.write(JSON.stringify({ won }) + '\n')
await storage.close()
