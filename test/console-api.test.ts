import { describe, expect, test } from 'vitest'
import { createConsole, serveConsole } from '../dist/console.js'
import { createWorkflow, type Engine } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()
const slow = { timeout: 60_000 }

async function withHistory (runs: number): Promise<{ engine: Engine, url: string, ids: string[] }> {
  const engine = startEngine({ storage: db.storage({ tablePrefix: `p${Math.random().toString(36).slice(2, 8)}_` }) })
  await engine.publishWorkflow(createWorkflow('logs')
    .addTask('log', { handler: subject('logger.mjs') })
    .addTask('after', { handler: sharedHandler('noop'), dependsOn: ['log'] })
    .build())
  const ids: string[] = []
  for (let i = 0; i < runs; i++) ids.push((await engine.execute('logs')).executionId)
  const server = await serveConsole(engine, { port: 0, token: 'api-test-token' })
  return { engine, url: server.url, ids }
}

async function getJson (url: string): Promise<{ status: number, body: any }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() }
}

describe('the console API', () => {
  test('pages through every execution with the cursor, newest first, each once', slow, async () => {
    const { url, ids } = await withHistory(5)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const { body } = await getJson(`${url}api/executions?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
      seen.push(...body.executions.map((e: { executionId: string }) => e.executionId))
      expect(body.executions[0]).not.toHaveProperty('input')
      cursor = body.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual([...ids].reverse())
  })

  test('filters logs by task and minimum level', slow, async () => {
    const { url, ids } = await withHistory(1)
    const { body } = await getJson(`${url}api/executions/${ids[0]}/logs?task=log&level=warn`)
    expect(body.logs.map((l: { level: string, taskId: string }) => `${l.taskId}:${l.level}`)).toEqual(['log:warn', 'log:error'])
  })

  test('refuses bad input with a typed 400 that names what was wrong', slow, async () => {
    const { url, ids } = await withHistory(1)
    const cases: Array<[string, RegExp]> = [
      ['api/executions?limt=5', /unknown query parameter 'limt'; did you mean 'limit'\?/],
      ['api/executions?limit=0', /limit must be an integer from 1 to 500/],
      ['api/executions?status=done', /status must be one of running, success/],
      ['api/executions?from=yesterday', /from must be a time/],
      ['api/executions?cursor=%3Cx%3E', /cursor '<x>' is not an execution id/],
      [`api/executions/${ids[0]}/logs?level=loud`, /level must be one of trace/],
      ['api/executions/..%2F..%2Fetc', /is not an id/]
    ]
    for (const [path, message] of cases) {
      const { status, body } = await getJson(url + path)
      expect({ path, status, code: body.error.code }).toEqual({ path, status: 400, code: 'BAD_REQUEST' })
      expect(body.error.message).toMatch(message)
    }
    const post = await fetch(`${url}api/executions/${ids[0]}/retry`, {
      method: 'POST', headers: { authorization: 'Bearer api-test-token' }, body: JSON.stringify({ mod: 'resume' })
    })
    expect(post.status).toBe(400)
    expect((await post.json() as { error: { message: string } }).error.message).toMatch(/unknown field 'mod'/)
  })

  test('answers 404 for an unknown execution or route, and 405 for a wrong method', slow, async () => {
    const { url } = await withHistory(0)
    expect(await getJson(`${url}api/executions/01HZ0000000000000000000000`)).toMatchObject({ status: 404, body: { error: { code: 'EXECUTION_NOT_FOUND' } } })
    expect(await getJson(`${url}api/nothing`)).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } })
    expect((await fetch(`${url}api/executions`, { method: 'DELETE' })).status).toBe(405)
  })

  test('documents its routes at /api/openapi.json', slow, async () => {
    const { url } = await withHistory(0)
    const { body } = await getJson(`${url}api/openapi.json`)
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/executions', '/api/executions/{id}/trace', '/api/events', '/api/executions/{id}/retry']))
  })

  test('serveConsole() binds 127.0.0.1 unless told otherwise, and refuses unknown options', slow, async () => {
    const engine = startEngine()
    const server = await serveConsole(engine, { port: 0 })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    await expect(serveConsole(engine, { port: 0, tokn: 'x' } as never)).rejects.toThrow("unknown option 'tokn' in serveConsole(); did you mean 'token'?")
    expect(() => createConsole(engine, { token: 'short' })).toThrow(/token must be a string of at least 8 characters/)
  })

  test('a console over storage alone serves history and the graph the history keeps', slow, async () => {
    const { engine, ids } = await withHistory(1)
    await engine.flush()
    const handler = createConsole(engine.storage)
    const { createServer } = await import('node:http')
    const server = createServer(handler).listen(0, '127.0.0.1')
    await new Promise(resolve => server.once('listening', resolve))
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
      expect((await getJson(`${base}api/executions/${ids[0]}`)).body.execution).toMatchObject({ executionId: ids[0], status: 'success', progress: 100 })
      // The engine kept the shape of its definition: no published workflow is needed to draw it.
      const graph = await getJson(`${base}api/executions/${ids[0]}/graph`)
      expect(graph.status).toBe(200)
      expect(graph.body.tasks.length).toBeGreaterThan(0)
    } finally {
      handler.close()
      server.close()
    }
  })
})
