/**
 * Vitest's global set-up: what the tests need is running before the first test file starts,
 * so that `npm test` on a fresh clone is the whole set-up (README, Quick start).
 *   - a MySQL server (scripts/ensure-mysql.sh): the storage and history tests;
 *   - Redis (scripts/ensure-redis.sh): the BullMQ benchmark, and tests to come.
 * One after the other: either may run apt-get, which holds a lock.
 * Chromium is not started here: browser tests install it on demand (helpers/chromium.ts).
 */
import { runEnsureScript } from './helpers/ensure.js'

export default async function setup (): Promise<void> {
  await runEnsureScript('ensure-mysql.sh', 'the storage tests need a MySQL server',
    'Start one (`sudo bash scripts/ensure-mysql.sh`), or point GRAPH_TASK_MYSQL_URL at one that answers (mysql://user:password@host:port/db).')
  await runEnsureScript('ensure-redis.sh', 'the tests need a Redis server',
    'Start one (`sudo bash scripts/ensure-redis.sh`), or point GRAPH_TASK_REDIS_URL at one that answers (redis://host:port).')
}
