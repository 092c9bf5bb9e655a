/**
 * Vitest's global set-up: what the tests need is running before the first test file starts,
 * so that `npm test` on a fresh clone is the whole set-up (README, Quick start).
 *   - a MySQL server (scripts/ensure-mysql.sh): the storage and history tests;
 *   - Redis (scripts/ensure-redis.sh): the execution queue's tests and the BullMQ benchmark;
 *   - Chromium (scripts/ensure-chromium.sh): the console's and the bench report's browser tests.
 * One after the other: each may run apt-get, which holds a lock. Installed here, before the
 * test files run in parallel, rather than by the first browser test of each file.
 */
import { runEnsureScript } from './helpers/ensure.js'

export default async function setup (): Promise<void> {
  await runEnsureScript('ensure-mysql.sh', 'the storage tests need a MySQL server',
    'Start one (`sudo bash scripts/ensure-mysql.sh`), or point GRAPH_TASK_MYSQL_URL at one that answers (mysql://user:password@host:port/db).')
  await runEnsureScript('ensure-redis.sh', 'the tests need a Redis server',
    'Start one (`sudo bash scripts/ensure-redis.sh`), or point GRAPH_TASK_REDIS_URL at one that answers (redis://host:port).')
  await runEnsureScript('ensure-chromium.sh', 'the browser tests need Chromium',
    'Install it with `sudo bash scripts/ensure-chromium.sh` (Debian\'s chromium package).')
}
