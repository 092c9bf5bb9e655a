/**
 * The API's shapes, served at /api/openapi.json (OpenAPI 3.1). Kept short: the
 * record types are those of the library's own TypeScript declarations.
 */

const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: object): object => ({ content: { 'application/json': { schema } } })
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
const q = (name: string, description: string, type = 'string'): object => ({ name, in: 'query', description, schema: { type } })
const errors = { '400': { description: 'bad input', ...json(ref('Error')) }, '404': { description: 'not found', ...json(ref('Error')) } }
const action = (summary: string, body: object): object => ({
  summary,
  security: [{ token: [] }],
  parameters: [idParam],
  requestBody: json(body),
  responses: {
    '200': { description: 'done', ...json({ type: 'object' }) },
    '401': { description: 'no token, or a wrong one', ...json(ref('Error')) },
    '403': { description: 'read-only console, or no token configured', ...json(ref('Error')) },
    '409': { description: 'not possible now (not pending, not running here)', ...json(ref('Error')) }
  }
})

export const kOpenApi = Object.freeze({
  openapi: '3.1.0',
  info: { title: 'graph-task console API', version: '1' },
  components: {
    securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'the console token (--token or GRAPH_TASK_CONSOLE_TOKEN)' } },
    schemas: {
      Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
      Execution: {
        type: 'object',
        description: 'ExecutionRecord without its input, plus duration (ms) once ended',
        properties: {
          executionId: { type: 'string' }, workflowId: { type: 'string' }, workflowVersion: { type: 'string' }, status: { enum: ['running', 'success', 'failed', 'cancelled', 'interrupted'] },
          instanceId: { type: 'string' }, startedAt: { type: 'number', description: 'epoch ms' }, updatedAt: { type: 'number' }, endedAt: { type: 'number' },
          duration: { type: 'number' }, totalTasks: { type: 'integer' }, completedTasks: { type: 'integer' }, failedTasks: { type: 'integer' },
          error: { type: 'object' }, retryOf: { type: 'string' }
        }
      },
      Task: { type: 'object', description: 'TaskResult without output, plus outputPreview (JSON text cut at 4 KiB)' },
      Span: { type: 'object', description: 'SpanRecord: attributes graph_task.task.attempt, graph_task.task.queue_wait_ms, graph_task.task.run_ms, thread.id, graph_task.task.status (and graph_task.task.map_index for an instance of a mapped task)' },
      Log: { type: 'object', description: 'LogEntry: executionId, taskId, attempt, time, level, message, data' }
    }
  },
  paths: {
    '/api/executions': {
      get: {
        summary: 'Executions newest first, one page; pass nextCursor as cursor for the next',
        parameters: [q('workflow', 'workflow id'), q('status', 'statuses, comma-separated'), q('from', 'started at or after (epoch ms or ISO)'),
          q('to', 'started before'), q('limit', '1..500, default 50', 'integer'), q('cursor', 'nextCursor of the previous page')],
        responses: { '200': { description: 'a page', ...json({ type: 'object', properties: { executions: { type: 'array', items: ref('Execution') }, nextCursor: { type: ['string', 'null'] } } }) }, ...errors }
      }
    },
    '/api/executions/{id}': {
      get: {
        summary: 'One execution with its tasks and progress',
        parameters: [idParam],
        responses: { '200': { description: 'the execution', ...json({ type: 'object', properties: { execution: ref('Execution'), tasks: { type: 'array', items: ref('Task') } } }) }, ...errors }
      }
    },
    '/api/executions/{id}/logs': {
      get: {
        summary: 'Log lines, oldest first',
        parameters: [idParam, q('task', 'task id'), q('level', 'minimum level'), q('limit', '1..10000, default 1000', 'integer'), q('offset', 'lines to skip', 'integer')],
        responses: { '200': { description: 'lines', ...json({ type: 'object', properties: { logs: { type: 'array', items: ref('Log') } } }) }, ...errors }
      }
    },
    '/api/executions/{id}/trace': {
      get: { summary: 'Spans, by start time: the root and one per task attempt', parameters: [idParam], responses: { '200': { description: 'spans', ...json({ type: 'object', properties: { spans: { type: 'array', items: ref('Span') } } }) }, ...errors } }
    },
    '/api/executions/{id}/graph': {
      get: { summary: 'The DAG and stage plan of the execution\'s workflow (published on this console\'s engine)', parameters: [idParam], responses: { '200': { description: 'tasks with dependsOn, stages, criticalPath', ...json({ type: 'object' }) }, ...errors } }
    },
    '/api/workflows/{id}': {
      get: { summary: 'The DAG and stage plan of a published workflow', parameters: [{ ...idParam }], responses: { '200': { description: 'graph', ...json({ type: 'object' }) }, ...errors } }
    },
    '/api/failures': {
      get: {
        summary: 'Failure cases with their manual retries, and retry statistics',
        parameters: [q('status', 'pending, retrying, recovered, abandoned (comma-separated)'), q('workflow', 'workflow id'), q('limit', '1..1000', 'integer'), q('offset', 'cases to skip', 'integer')],
        responses: { '200': { description: 'cases', ...json({ type: 'object', properties: { failures: { type: 'array' }, statistics: { type: ['object', 'null'] } } }) }, ...errors }
      }
    },
    '/api/instances': { get: { summary: 'Engine instances sharing the history and their heartbeats', responses: { '200': { description: 'instances', ...json({ type: 'object' }) } } } },
    '/api/queues': { get: { summary: 'The execution queue per workflow (job counts, serving instances), the schedules, and which instance runs each running execution; queue null without a queue', responses: { '200': { description: 'queues', ...json({ type: 'object' }) } } } },
    '/api/stats': { get: { summary: 'Storage kind, engine stats, whether actions are enabled, published workflows', responses: { '200': { description: 'stats', ...json({ type: 'object' }) } } } },
    '/api/events': {
      get: {
        summary: 'Server-Sent Events: execution.* task.* retry.* from the engine, execution.changed from storage polling',
        responses: { '200': { description: 'text/event-stream' } }
      }
    },
    '/api/executions/{id}/retry': { post: action('Retries a failed execution here; answers once it has started', { type: 'object', properties: { mode: { enum: ['resume', 'restart'] } } }) },
    '/api/executions/{id}/abandon': { post: action('Closes a failure case without retrying', { type: 'object', properties: { reason: { type: 'string' } } }) },
    '/api/executions/{id}/cancel': { post: action('Cancels an execution running on this console\'s engine', { type: 'object' }) }
  }
})
