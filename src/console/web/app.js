/*
 * graph-task console: pages (executions, one execution, failures, queues), the API calls behind
 * them, the actions with the token, and live updates from /api/events.
 * The token is kept in sessionStorage and sent only as an Authorization header.
 */
'use strict'
;(function () {
  const R = globalThis.GraphTaskRender
  const { el, badge, fmtMs, fmtTime } = R
  const main = document.getElementById('main')
  const tokenInput = document.getElementById('token')
  const liveBadge = document.getElementById('live')
  let page = { onEvent () {} }
  let generation = 0

  tokenInput.value = sessionStorage.getItem('graph-task-token') || ''
  tokenInput.addEventListener('change', () => sessionStorage.setItem('graph-task-token', tokenInput.value))

  async function get (path) {
    const res = await fetch(path, { headers: { accept: 'application/json' } })
    const body = await res.json()
    if (!res.ok) throw Object.assign(new Error(body.error ? body.error.message : res.statusText), { status: res.status, code: body.error && body.error.code })
    return body
  }

  async function post (path, body) {
    const headers = { 'content-type': 'application/json' }
    if (tokenInput.value !== '') headers.authorization = 'Bearer ' + tokenInput.value
    const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) })
    const answer = await res.json()
    if (!res.ok) throw Object.assign(new Error(answer.error ? answer.error.message : res.statusText), { status: res.status, code: answer.error && answer.error.code })
    return answer
  }

  /** Calls `fn` at most once per `ms`, the last call winning. */
  function throttle (fn, ms) {
    let timer = null
    return () => { if (timer === null) timer = setTimeout(() => { timer = null; fn() }, ms) }
  }

  function failure (err) {
    return el('p', { class: 'error-box' }, `${err.code || 'ERROR'}: ${err.message}`)
  }

  // ---- executions list ----
  function listPage (params) {
    const form = el('form', { class: 'filters', id: 'filters' },
      el('input', { name: 'workflow', placeholder: 'workflow', value: params.get('workflow') || '' }),
      el('select', { name: 'status' }, ['', 'running', 'success', 'failed', 'cancelled', 'interrupted']
        .map(s => el('option', { value: s, selected: params.get('status') === s }, s === '' ? 'any status' : s))),
      el('label', {}, ' from ', el('input', { name: 'from', type: 'datetime-local', value: params.get('from') || '' })),
      el('label', {}, ' to ', el('input', { name: 'to', type: 'datetime-local', value: params.get('to') || '' })),
      el('button', { type: 'submit' }, 'Filter'))
    form.addEventListener('submit', event => {
      event.preventDefault()
      const next = new URLSearchParams()
      for (const [k, v] of new FormData(form)) if (v !== '') next.set(k, String(v))
      location.hash = '#/?' + next.toString()
    })
    const body = el('tbody')
    const pager = el('div', { class: 'pager' })
    const cursors = [null]
    const query = cursor => {
      const q = new URLSearchParams({ limit: '25' })
      if (params.get('workflow')) q.set('workflow', params.get('workflow'))
      if (params.get('status')) q.set('status', params.get('status'))
      if (params.get('from')) q.set('from', new Date(params.get('from')).toISOString())
      if (params.get('to')) q.set('to', new Date(params.get('to')).toISOString())
      if (cursor) q.set('cursor', cursor)
      return '/api/executions?' + q.toString()
    }
    const load = async () => {
      const mine = generation
      let data
      try { data = await get(query(cursors[cursors.length - 1])) } catch (err) { body.replaceChildren(el('tr', {}, el('td', { colspan: 7 }, failure(err)))); return }
      if (mine !== generation) return
      body.replaceChildren(...data.executions.map(e => el('tr', { class: 'execution-row', 'data-id': e.executionId },
        el('td', {}, badge(e.status)), el('td', {}, e.workflowId),
        el('td', {}, el('a', { href: '#/executions/' + e.executionId, class: 'mono' }, e.executionId)),
        el('td', {}, fmtTime(e.startedAt)), el('td', {}, e.status === 'running' ? 'running' : fmtMs(e.duration)),
        el('td', {}, `${e.completedTasks}/${e.totalTasks}`), el('td', {}, String(e.failedTasks)))))
      if (data.executions.length === 0) body.appendChild(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No executions match.')))
      pager.replaceChildren(
        el('button', { disabled: cursors.length === 1, onclick: () => { cursors.pop(); load() } }, '← Newer'),
        ` page ${cursors.length} `,
        el('button', { disabled: data.nextCursor === null, id: 'next-page', onclick: () => { cursors.push(data.nextCursor); load() } }, 'Older →'))
    }
    main.replaceChildren(el('h2', {}, 'Executions'), form,
      el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['status', 'workflow', 'execution', 'started', 'duration', 'tasks done', 'failed'].map(h => el('th', {}, h)))), body), pager)
    load()
    const refresh = throttle(() => { if (cursors.length === 1) load() }, 500)
    return { onEvent (type) { if (type.startsWith('execution.')) refresh() } }
  }

  // ---- actions (one execution, failures) ----
  /**
   * A button for an action: disabled, with its reason beside it, where the console says
   * it cannot work; on a click, the answer (or the refusal) goes into `message`.
   */
  function actionButton (id, label, path, body, state, message, done, confirmText) {
    const button = el('button', {
      class: 'action',
      'data-action': path,
      disabled: !state.enabled,
      title: state.reason || '',
      onclick: async () => {
        if (confirmText && !confirm(confirmText)) return
        message.textContent = `${label}…`
        try {
          const answer = await post(`/api/executions/${id}/${path}`, body)
          message.replaceChildren(`${label}: done`, answer.executionId && answer.executionId !== id
            ? el('span', {}, ' — new execution ', el('a', { href: '#/executions/' + answer.executionId, id: 'retry-link' }, answer.executionId))
            : '')
          done()
        } catch (err) {
          message.textContent = `${label} refused (${err.status}): ${err.code}: ${err.message}`
        }
      }
    }, label)
    return state.enabled ? button : el('span', { class: 'action-off' }, button, el('span', { class: 'action-reason', 'data-reason-for': path }, state.reason))
  }

  function actionBar (id, states, done, messageId) {
    const message = el('p', { class: 'message', id: messageId })
    return el('div', { class: 'actions' },
      actionButton(id, 'Retry (resume)', 'retry', { mode: 'resume' }, states.retry, message, done),
      actionButton(id, 'Retry (restart)', 'retry', { mode: 'restart' }, states.retry, message, done),
      actionButton(id, 'Abandon', 'abandon', { reason: 'abandoned from the console' }, states.abandon, message, done, 'Abandon this failure without retrying?'),
      states.cancel ? actionButton(id, 'Cancel', 'cancel', {}, states.cancel, message, done, 'Cancel this execution?') : '',
      message)
  }

  // ---- one execution ----
  function executionPage (id) {
    const load = async () => {
      const mine = generation
      try {
        const [view, graph, trace, logs] = await Promise.all([
          get(`/api/executions/${id}`), get(`/api/executions/${id}/graph`).catch(() => null),
          get(`/api/executions/${id}/trace`), get(`/api/executions/${id}/logs?limit=10000`)])
        if (mine !== generation) return
        const data = { execution: view.execution, tasks: view.tasks, graph, spans: trace.spans, logs: logs.logs }
        main.replaceChildren(R.renderExecution(data, actionBar(id, view.actions, () => refresh(), 'action-message')))
      } catch (err) {
        if (mine === generation) main.replaceChildren(failure(err))
      }
    }
    const refresh = throttle(load, 300)
    main.replaceChildren(el('p', { class: 'muted' }, 'Loading…'))
    load()
    return { onEvent (type, data) { if (data && (data.executionId === id || data.retryOf === id)) refresh() } }
  }

  // ---- failures ----
  const kStatLabels = [['totalFailed', 'Failed'], ['pending', 'Pending'], ['retrying', 'Retrying'], ['recovered', 'Recovered'],
    ['abandoned', 'Abandoned'], ['interrupted', 'Interrupted'], ['manualAttempts', 'Manual attempts'], ['retried', 'Retried'], ['successRate', 'Retry success rate']]

  function failuresPage () {
    const load = async () => {
      const mine = generation
      try {
        const data = await get('/api/failures?status=pending,retrying,recovered,abandoned&limit=200')
        if (mine !== generation) return
        const s = data.statistics
        main.replaceChildren(el('h2', {}, 'Failures'),
          s ? el('table', { class: 'stats' }, el('tr', {}, kStatLabels.map(([, label]) => el('th', {}, label))),
            el('tr', {}, kStatLabels.map(([k]) => el('td', {}, k === 'successRate' ? (s[k] * 100).toFixed(1) + '%' : String(s[k]))))) : el('p', {}, 'This storage keeps no failure cases.'),
          el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Execution', 'Workflow', 'Case', 'Reason', 'Failed task', 'Error', 'Failed at', 'Retries', 'Actions'].map(h => el('th', {}, h)))),
            el('tbody', {}, data.failures.map(f => el('tr', { class: 'failure-row', 'data-execution': f.executionId },
              el('td', {}, el('a', { href: '#/executions/' + f.executionId, class: 'mono' }, f.executionId)), el('td', {}, f.workflowId), el('td', {}, f.status),
              el('td', {}, f.reason), el('td', {}, f.failedTaskId || '-'), el('td', {}, `${f.errorCode}: ${f.errorMessage}`), el('td', {}, fmtTime(f.failedAt)),
              el('td', {}, f.retries.map(r => el('div', {}, el('a', { href: '#/executions/' + r.executionId, class: 'mono' }, r.executionId), ' ', r.status))),
              el('td', {}, actionBar(f.executionId, f.actions, () => refresh())))))))
      } catch (err) {
        if (mine === generation) main.replaceChildren(failure(err))
      }
    }
    load()
    const refresh = throttle(load, 1000)
    return { onEvent (type) { if (type.startsWith('retry.') || type === 'execution.failed' || type === 'execution.changed') refresh() } }
  }

  // ---- queues ----
  const kQueueStates = ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed']

  function queuesPage () {
    const load = async () => {
      const mine = generation
      try {
        const data = await get('/api/queues')
        if (mine !== generation) return
        if (data.queue === null) {
          main.replaceChildren(el('h2', {}, 'Queues'), el('p', { class: 'reason' }, data.reason))
          return
        }
        const q = data.queue
        const runningBy = new Map()
        for (const r of data.running) {
          if (!runningBy.has(r.workflowId)) runningBy.set(r.workflowId, [])
          runningBy.get(r.workflowId).push(r)
        }
        main.replaceChildren(el('h2', {}, 'Queues'),
          el('p', {}, 'Read at ' + fmtTime(q.at) + '.'),
          q.workflows.length === 0 ? el('p', {}, 'No workflow has a queue or a serving instance.') : el('table', { class: 'list' },
            el('thead', {}, el('tr', {}, ['Workflow'].concat(kQueueStates, ['Served by', 'Running on']).map(h => el('th', {}, h)))),
            el('tbody', {}, q.workflows.map(w => el('tr', { class: 'queue-row', 'data-workflow': w.workflowId },
              el('td', {}, w.workflowId),
              kQueueStates.map(state => el('td', { class: 'count', 'data-state': state }, String(w.counts[state] || 0))),
              el('td', { class: 'served' }, w.servedBy.length === 0 ? el('span', { class: 'reason' }, 'no live instance') : w.servedBy.join(', ')),
              el('td', {}, (runningBy.get(w.workflowId) || []).map(r => el('div', {},
                el('a', { href: '#/executions/' + r.executionId, class: 'mono' }, r.executionId), ' on ', r.instanceId))))))),
          el('h3', {}, 'Schedules'),
          q.schedules.length === 0 ? el('p', {}, 'No schedules.') : el('table', { class: 'list' },
            el('thead', {}, el('tr', {}, ['Name', 'Workflow', 'Every / cron', 'Next'].map(h => el('th', {}, h)))),
            el('tbody', {}, q.schedules.map(sc => el('tr', { class: 'schedule-row' }, el('td', {}, sc.name), el('td', {}, sc.workflowId),
              el('td', {}, sc.cron !== undefined ? sc.cron : sc.every + ' ms'), el('td', {}, sc.next !== undefined ? fmtTime(sc.next) : '-'))))))
      } catch (err) {
        if (mine === generation) main.replaceChildren(failure(err))
      }
    }
    load()
    const refresh = throttle(load, 1000)
    return { onEvent (type) { if (type.startsWith('execution.')) refresh() } }
  }

  function route () {
    generation++
    const hash = location.hash.slice(1) || '/'
    const [path, search] = hash.split('?')
    const params = new URLSearchParams(search || '')
    const match = /^\/executions\/([0-9A-Za-z_-]+)$/.exec(path)
    if (match) page = executionPage(match[1])
    else if (path === '/failures') page = failuresPage()
    else if (path === '/queues') page = queuesPage()
    else page = listPage(params)
  }

  const events = new EventSource('/api/events')
  events.onopen = () => { liveBadge.textContent = 'live'; liveBadge.className = 'on' }
  events.onerror = () => { liveBadge.textContent = 'reconnecting'; liveBadge.className = 'off' }
  const kTypes = ['execution.started', 'execution.completed', 'execution.failed', 'execution.cancelled', 'execution.changed',
    'task.started', 'task.completed', 'task.failed', 'task.retrying', 'task.skipped',
    'retry.started', 'retry.succeeded', 'retry.failed', 'retry.abandoned']
  for (const type of kTypes) {
    events.addEventListener(type, message => {
      let data = null
      try { data = JSON.parse(message.data) } catch {}
      page.onEvent(type, data)
    })
  }
  window.addEventListener('hashchange', route)
  route()
})()
