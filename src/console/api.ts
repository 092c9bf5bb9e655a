/**
 * The console's JSON API under /api/. Reads answer GET; actions answer POST and need
 * the token. Every answer is JSON; every refusal is `{ error: { code, message } }`
 * with a 4xx status (see openapi.ts for the shapes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCodes } from '../errors.js'
import { ConsoleRequestError } from './console-error.js'
import type { ExecutionStatus, LogLevel, RetryRecordStatus } from '../types.js'
import { abandon, cancel, retry } from './actions.js'
import { actionsOf, actionStates } from './action-states.js'
import type { HistoryReader } from './history-reader.js'
import type { LiveEvents } from './live-events.js'
import { kOpenApi } from './openapi.js'
import type { ResolvedConsoleOptions } from './options.js'
import { badRequest, checkToken, intParam, jsonBody, listParam, queryParams, textParam, timeParam } from './request.js'

const kExecutionStatuses: readonly ExecutionStatus[] = ['running', 'success', 'failed', 'cancelled', 'interrupted']
const kRetryStatuses: readonly RetryRecordStatus[] = ['pending', 'retrying', 'recovered', 'abandoned']
const kLevels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']
const kIdPattern = /^[0-9A-Za-z_-]{1,64}$/

interface ApiContext {
  reader: HistoryReader
  events: LiveEvents
  options: ResolvedConsoleOptions
}

type Json = unknown

/** Answers one /api/ request; returns undefined when it wrote the response itself (events). */
export async function api (req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<Json | undefined> {
  const parts = url.pathname.split('/').slice(2) // '', 'api', ...
  const method = req.method ?? 'GET'
  const [root, id, sub] = parts
  if (parts.length > 3 || (id !== undefined && root !== 'executions' && root !== 'workflows')) throw notFound(url)
  if (id !== undefined && !kIdPattern.test(id)) throw badRequest(`'${id}' is not an id`)
  if (method === 'POST') {
    if (root !== 'executions' || id === undefined || sub === undefined) throw notAllowed(method, url)
    checkToken(req, ctx.options.token, ctx.options.readOnly)
    queryParams(url, [])
    if (sub === 'retry') return retry(ctx.reader, id, await jsonBody(req, ['mode']))
    if (sub === 'abandon') return abandon(ctx.reader, id, await jsonBody(req, ['reason']))
    if (sub === 'cancel') { await jsonBody(req, []); return cancel(ctx.reader, id) }
    throw notFound(url)
  }
  if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, url)
  switch (root) {
    case 'executions':
      if (id === undefined) return listExecutions(ctx, url)
      return executionPart(ctx, url, id, sub)
    case 'workflows': {
      queryParams(url, [])
      if (id === undefined || sub !== undefined) throw notFound(url)
      return graph(ctx, id)
    }
    case 'failures': {
      const params = queryParams(url, ['status', 'workflow', 'limit', 'offset'])
      const found = await ctx.reader.failures({
        status: listParam(params, 'status', kRetryStatuses),
        workflowId: textParam(params, 'workflow'),
        limit: intParam(params, 'limit', 100, 1, 1000),
        offset: intParam(params, 'offset', 0, 0, 1_000_000)
      })
      if (found === undefined) return { failures: [], statistics: null }
      return {
        statistics: found.statistics,
        // A case is its first execution's: what it offers is what that execution's page offers.
        failures: found.failures.map(f => ({ ...f, actions: actionStates(ctx.reader, ctx.options, { ...f, status: 'failed', instanceId: '' }, f) }))
      }
    }
    case 'instances':
      queryParams(url, [])
      return { instances: await ctx.reader.instances() }
    case 'queues':
      queryParams(url, [])
      return queues(ctx)
    case 'stats':
      queryParams(url, [])
      return {
        storage: ctx.reader.storage.kind,
        engine: ctx.reader.engine?.stats() ?? null,
        actions: !ctx.options.readOnly && ctx.options.token !== undefined,
        workflows: ctx.reader.engine?.listWorkflows().map(w => ({ id: w.id, version: w.version, tasks: w.tasks.length })) ?? []
      }
    case 'events':
      queryParams(url, [])
      ctx.events.attach(res)
      return undefined
    case 'openapi.json':
      return kOpenApi
    default:
      throw notFound(url)
  }
}

// The queue's overview, with which instance runs what from the history (running
// executions carry their instance); `queue: null` and the reason without a queue.
async function queues (ctx: ApiContext): Promise<Json> {
  const { queue } = ctx.options
  if (queue === undefined) {
    return { queue: null, reason: 'this console has no execution queue: start it with --redis <uri> (or give createConsole a queue)' }
  }
  const [overview, running] = await Promise.all([queue.overview(), ctx.reader.list({ status: 'running', limit: 500 })])
  return {
    queue: overview,
    running: running.map(r => ({ executionId: r.executionId, workflowId: r.workflowId, instanceId: r.instanceId, startedAt: r.startedAt }))
  }
}

async function listExecutions (ctx: ApiContext, url: URL): Promise<Json> {
  const params = queryParams(url, ['workflow', 'status', 'from', 'to', 'limit', 'cursor'])
  const limit = intParam(params, 'limit', 50, 1, 500)
  const cursor = textParam(params, 'cursor', 64)
  if (cursor !== undefined && !kIdPattern.test(cursor)) throw badRequest(`cursor '${cursor}' is not an execution id`)
  // One more than a page tells whether there is a next one.
  const rows = await ctx.reader.list({
    workflowId: textParam(params, 'workflow'),
    status: listParam(params, 'status', kExecutionStatuses),
    from: timeParam(params, 'from'),
    to: timeParam(params, 'to'),
    after: cursor,
    limit: limit + 1
  })
  const more = rows.length > limit
  if (more) rows.length = limit
  return { executions: rows, nextCursor: more ? rows[rows.length - 1].executionId : null }
}

async function executionPart (ctx: ApiContext, url: URL, id: string, sub: string | undefined): Promise<Json> {
  switch (sub) {
    case undefined: {
      queryParams(url, [])
      const view = await ctx.reader.execution(id)
      return { ...view, actions: await actionsOf(ctx.reader, ctx.options, view.execution) }
    }
    case 'logs': {
      const params = queryParams(url, ['task', 'level', 'limit', 'offset'])
      const level = listParam(params, 'level', kLevels)
      if (level !== undefined && level.length > 1) throw badRequest('level takes one level (the minimum)')
      const logs = await ctx.reader.logs(id, {
        taskId: textParam(params, 'task'),
        level: level?.[0],
        limit: intParam(params, 'limit', 1000, 1, 10_000),
        offset: intParam(params, 'offset', 0, 0, 10_000_000)
      })
      return { logs }
    }
    case 'trace':
      queryParams(url, [])
      return { spans: await ctx.reader.spans(id) }
    case 'graph': {
      queryParams(url, [])
      const record = await ctx.reader.storage.getExecution(id) ?? (await ctx.reader.execution(id)).execution
      const found = await ctx.reader.graphOf(record)
      if (found === undefined) {
        throw new ConsoleRequestError(ErrorCodes.WORKFLOW_NOT_FOUND,
          `the history keeps no shape of the definition execution ${id} ran (it ran before graph-task kept shapes, or under a storage that keeps none)`)
      }
      return found
    }
    default:
      throw notFound(url)
  }
}

function graph (ctx: ApiContext, workflowId: string): Json {
  const graph = ctx.reader.graph(workflowId)
  if (graph === undefined) {
    throw new ConsoleRequestError(ErrorCodes.WORKFLOW_NOT_FOUND,
      `workflow "${workflowId}" is not published on this console's engine (graph-task console --workflows <module>)`)
  }
  return graph
}

function notFound (url: URL): ConsoleRequestError {
  return new ConsoleRequestError(ErrorCodes.ROUTE_NOT_FOUND, `no API route ${url.pathname}`)
}

function notAllowed (method: string, url: URL): ConsoleRequestError {
  return new ConsoleRequestError(ErrorCodes.METHOD_NOT_ALLOWED, `${method} is not allowed on ${url.pathname}`)
}
