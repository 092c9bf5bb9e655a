/*
 * graph-task console: drawing an execution (DAG, waterfall, logs, task details) from plain
 * data. Shared by the live console (app.js) and the self-contained report (report.js).
 * Every value from history goes into the page as text (createTextNode / textContent), never
 * as HTML, so a log line holding markup shows that markup.
 */
'use strict'
;(function (global) {
  const kStatusColours = {
    success: '#2e9d57', OK: '#2e9d57', failed: '#d64545', ERROR: '#d64545', running: '#2f7fd6', UNSET: '#2f7fd6',
    pending: '#9aa3ad', skipped: '#c9b458', cancelled: '#8a6fbf', interrupted: '#e08a2c'
  }
  const kSvg = 'http://www.w3.org/2000/svg'
  const kDagLimit = 400

  /** An element with attributes and children; strings become text nodes. */
  function el (tag, attrs, ...children) {
    const node = document.createElement(tag)
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
      else if (key === 'class') node.className = value
      // through the CSSOM: a style attribute would be inline style, which the CSP refuses
      else if (key === 'style') Object.assign(node.style, value)
      else node.setAttribute(key, String(value))
    }
    append(node, children)
    return node
  }

  function append (node, children) {
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
    }
  }

  function svg (tag, attrs) {
    const node = document.createElementNS(kSvg, tag)
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value))
    return node
  }

  function colour (status) { return kStatusColours[status] || '#9aa3ad' }

  function fmtMs (ms) {
    if (ms === undefined || ms === null || Number.isNaN(ms)) return '-'
    if (ms < 1) return (ms * 1000).toFixed(0) + ' µs'
    if (ms < 1000) return ms.toFixed(1) + ' ms'
    if (ms < 60000) return (ms / 1000).toFixed(2) + ' s'
    return (ms / 60000).toFixed(1) + ' min'
  }

  function fmtTime (ms) {
    return ms === undefined || ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 23)
  }

  /** Marks a task whose output came from the cache. */
  function cachedBadge () {
    return el('span', { class: 'badge cached', title: 'output taken from the cache' }, 'cached')
  }

  function badge (status) {
    return el('span', { class: 'badge', style: { background: colour(status) } }, status)
  }

  /**
   * The critical path as it ran: from the task that ended last, back through the
   * dependency that ended last, to a root. Empty without the workflow's graph.
   */
  function criticalPath (graph, tasks) {
    const path = new Set()
    if (!graph) return path
    const ended = new Map()
    for (const t of tasks) ended.set(t.taskId, t.endedAt === undefined ? -Infinity : t.endedAt)
    const deps = new Map(graph.tasks.map(t => [t.id, t.after ? t.dependsOn.concat(t.after) : t.dependsOn]))
    let current
    let latest = -Infinity
    for (const [id, end] of ended) if (end > latest) { latest = end; current = id }
    while (current !== undefined && !path.has(current)) {
      path.add(current)
      let next
      let best = -Infinity
      for (const d of deps.get(current) || []) {
        const end = ended.has(d) ? ended.get(d) : -Infinity
        if (end > best) { best = end; next = d }
      }
      current = next
    }
    return path
  }

  const kCountWords = { success: 'succeeded', failed: 'failed', running: 'running', pending: 'pending', skipped: 'skipped', cancelled: 'cancelled', interrupted: 'interrupted' }

  /** A mapped task's instances counted by status: "4,998 succeeded, 2 failed". */
  function mapCounts (map) {
    const parts = []
    for (const [status, n] of Object.entries(map.counts || {})) if (n > 0) parts.push(`${n.toLocaleString('en-US')} ${kCountWords[status] || status}`)
    return parts.length === 0 ? `${map.size.toLocaleString('en-US')} instances` : parts.join(', ')
  }

  /** The DAG laid out by stage (columns), coloured by task status; a summary by stage past 400 tasks. */
  function renderDag (graph, tasks, critical, onSelect) {
    const byId = new Map(tasks.map(t => [t.taskId, t]))
    const stages = graph ? graph.stages : [tasks.map(t => t.taskId)]
    const box = el('div', { class: 'dag', 'data-tasks': byId.size })
    if (!graph) box.appendChild(el('p', { class: 'muted' }, 'The history keeps no shape of this definition (it ran before graph-task kept shapes): tasks shown without their dependencies.'))
    if (byId.size > kDagLimit) {
      const list = el('div', { class: 'stage-summary' })
      stages.forEach((stage, s) => {
        const counts = {}
        for (const id of stage) { const st = (byId.get(id) || {}).status || 'pending'; counts[st] = (counts[st] || 0) + 1 }
        const bar = el('div', { class: 'stage-bar' })
        for (const [st, n] of Object.entries(counts)) bar.appendChild(el('span', { style: { flex: String(n), background: colour(st) }, title: `${n} ${st}` }))
        list.appendChild(el('div', { class: 'stage-row' }, el('span', {}, `stage ${s + 1}: ${stage.length} tasks`), bar))
      })
      box.appendChild(list)
      return box
    }
    const w = 150
    const h = 34
    const gapX = 60
    const gapY = 14
    const height = Math.max(...stages.map(s => s.length)) * (h + gapY) + gapY
    const width = stages.length * (w + gapX) + gapX
    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'dag-svg' })
    const at = new Map()
    stages.forEach((stage, s) => stage.forEach((id, i) => at.set(id, { x: gapX / 2 + s * (w + gapX), y: gapY + i * (h + gapY) })))
    if (graph) {
      for (const t of graph.tasks) {
        const to = at.get(t.id)
        // Data dependencies in full, ordering-only ones (after) dashed.
        const edges = t.dependsOn.map(d => [d, false]).concat((t.after || []).map(d => [d, true]))
        for (const [d, ordering] of edges) {
          const from = at.get(d)
          if (!from || !to) continue
          const x1 = from.x + w
          const y1 = from.y + h / 2
          const x2 = to.x
          const y2 = to.y + h / 2
          const onPath = critical.has(t.id) && critical.has(d)
          root.appendChild(svg('path', {
            d: `M${x1},${y1} C${x1 + gapX / 2},${y1} ${x2 - gapX / 2},${y2} ${x2},${y2}`,
            class: 'edge' + (onPath ? ' critical' : '') + (ordering ? ' ordering' : '')
          }))
        }
      }
    }
    for (const [id, p] of at) {
      const task = byId.get(id) || { taskId: id, status: 'pending' }
      const g = svg('g', { class: 'node' + (critical.has(id) ? ' critical' : ''), 'data-task': id, 'data-status': task.status, transform: `translate(${p.x},${p.y})` })
      g.appendChild(svg('rect', { width: w, height: h, rx: 5, fill: colour(task.status) }))
      const label = svg('text', { x: 8, y: task.map ? 14 : h / 2 + 4 })
      label.textContent = id.length > 20 ? id.slice(0, 19) + '…' : id
      g.appendChild(label)
      // a mapped task stays one node however many instances it ran: its counts by status
      // under its name, its instances one click away (renderTask)
      if (task.map) {
        g.setAttribute('data-map-size', task.map.size)
        const counts = svg('text', { x: 8, y: 28, class: 'map-counts' })
        counts.textContent = mapCounts(task.map)
        g.appendChild(counts)
      }
      const title = svg('title')
      title.textContent = `${id}: ${task.status}${task.map ? ` (${task.map.size} instances: ${mapCounts(task.map)})` : ''}${task.attempts > 1 ? ` after ${task.attempts} attempts` : ''}`
      g.appendChild(title)
      g.addEventListener('click', () => onSelect(id))
      root.appendChild(g)
    }
    box.appendChild(root)
    return box
  }

  /**
   * The waterfall on a canvas: one lane per worker thread, one bar per task attempt
   * (queue wait as a thin grey line above, run time as the bar), retries outlined, the
   * critical path in orange. Drawing is one pass over the spans, so 10k attempts draw
   * in one frame. Returns the canvas, with `data-bars` (attempts drawn) and `data-render-ms`.
   */
  const kMinBar = 4

  function renderWaterfall (spans, critical, onSelect) {
    const t0 = performance.now()
    const attempts = spans.filter(s => s.taskId !== undefined && s.taskId !== null)
    const lanes = [...new Set(attempts.map(s => s.attributes['thread.id']))].sort((a, b) => a - b)
    const laneOf = new Map(lanes.map((l, i) => [l, i]))
    let min = Infinity
    let max = -Infinity
    for (const s of attempts) {
      const wait = Number(s.attributes['graph_task.task.queue_wait_ms'] || 0)
      if (s.startTime - wait < min) min = s.startTime - wait
      if (s.endTime > max) max = s.endTime
    }
    const laneH = 26
    const left = 90
    const top = 22
    const width = 1100
    const canvas = el('canvas', { class: 'waterfall', width, height: top + Math.max(1, lanes.length) * laneH + 6 })
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    const span = Math.max(max - min, 0.001)
    const scale = (width - left - 40) / span
    const xOf = t => left + (t - min) * scale
    ctx.font = '11px sans-serif'
    ctx.fillStyle = '#555'
    for (let i = 0; i <= 5; i++) {
      const x = left + ((width - left - 40) * i) / 5
      ctx.fillRect(x, top - 4, 1, canvas.height - top)
      ctx.fillText(fmtMs((span * i) / 5), x + 2, 12)
    }
    lanes.forEach((l, i) => ctx.fillText('thread ' + l, 4, top + i * laneH + 16))
    const hits = []
    for (const s of attempts) {
      const lane = laneOf.get(s.attributes['thread.id'])
      const y = top + lane * laneH
      const wait = Number(s.attributes['graph_task.task.queue_wait_ms'] || 0)
      const x0 = xOf(s.startTime)
      // An attempt shorter than a few pixels at this zoom still shows (a failed 1 ms attempt among seconds).
      const x1 = Math.max(xOf(s.endTime), x0 + kMinBar)
      ctx.fillStyle = '#b8bec6'
      ctx.fillRect(xOf(s.startTime - wait), y + 2, Math.max(x0 - xOf(s.startTime - wait), 0), 3)
      ctx.fillStyle = colour(s.statusCode)
      ctx.fillRect(x0, y + 7, x1 - x0, laneH - 11)
      const attempt = Number(s.attributes['graph_task.task.attempt'] || 1)
      if (critical.has(s.taskId) || attempt > 1) {
        ctx.strokeStyle = critical.has(s.taskId) ? '#ff8c00' : '#222'
        ctx.lineWidth = 2
        ctx.strokeRect(x0, y + 7, x1 - x0, laneH - 11)
      }
      if (x1 - x0 > 40) {
        ctx.fillStyle = '#fff'
        ctx.fillText((attempt > 1 ? `#${attempt} ` : '') + s.name, x0 + 3, y + 19, x1 - x0 - 6)
      }
      hits.push([x0, y, x1, y + laneH, s.taskId])
    }
    canvas.addEventListener('click', event => {
      const r = canvas.getBoundingClientRect()
      const x = (event.clientX - r.left) * (canvas.width / r.width)
      const y = (event.clientY - r.top) * (canvas.height / r.height)
      for (const [a, b, c, d, id] of hits) if (x >= a && x <= c && y >= b && y <= d) { onSelect(id); return }
    })
    canvas.dataset.bars = String(attempts.length)
    // instance attempts among the bars: a mapped task's instances each run on a lane of their own choosing
    canvas.dataset.instanceBars = String(attempts.filter(s => s.attributes['graph_task.task.map_index'] !== undefined).length)
    canvas.dataset.renderMs = (performance.now() - t0).toFixed(1)
    return canvas
  }

  /** Log lines with filters by task and minimum level, applied in the page. */
  function renderLogs (logs, taskIds) {
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']
    const taskSelect = el('select', { name: 'task' }, el('option', { value: '' }, 'all tasks'), taskIds.map(id => el('option', { value: id }, id)))
    const levelSelect = el('select', { name: 'level' }, levels.map(l => el('option', { value: l }, '≥ ' + l)))
    const body = el('tbody')
    const draw = () => {
      body.replaceChildren()
      const min = levels.indexOf(levelSelect.value)
      for (const l of logs) {
        if (taskSelect.value !== '' && l.taskId !== taskSelect.value) continue
        if (levels.indexOf(l.level) < min) continue
        body.appendChild(el('tr', { class: 'log level-' + l.level },
          el('td', {}, fmtTime(l.time)), el('td', {}, l.level), el('td', {}, l.taskId === undefined ? '-' : l.taskId + (l.attempt > 1 ? ` #${l.attempt}` : '')),
          el('td', { class: 'message' }, l.message, l.data ? el('span', { class: 'muted' }, ' ' + JSON.stringify(l.data)) : null)))
      }
    }
    taskSelect.addEventListener('change', draw)
    levelSelect.addEventListener('change', draw)
    draw()
    return el('div', { class: 'logs' }, el('div', { class: 'filters' }, 'Filter: ', taskSelect, ' ', levelSelect),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'time'), el('th', {}, 'level'), el('th', {}, 'task'), el('th', {}, 'message'))), body))
  }

  const kInstanceRows = 200

  /** ", 998 from the cache" when instances took their outputs from the cache. */
  function cachedCount (map) {
    const n = map.instances.filter(i => i.cached).length
    return n === 0 ? '' : `, ${n.toLocaleString('en-US')} from the cache`
  }

  /** A mapped task's instances, the ones that did not succeed first, at most 200 rows. */
  function renderInstances (map) {
    const order = map.instances.slice().sort((a, b) => (a.status === 'success') - (b.status === 'success') || a.mapIndex - b.mapIndex)
    const shown = order.slice(0, kInstanceRows)
    return el('div', { class: 'instances' },
      el('h4', {}, `Instances: ${mapCounts(map)}`, cachedCount(map)),
      el('table', { class: 'list' }, el('tr', {}, el('th', {}, 'index'), el('th', {}, 'status'), el('th', {}, 'attempts'), el('th', {}, 'run'), el('th', {}, 'error')),
        shown.map(i => el('tr', { class: 'instance-row', 'data-index': i.mapIndex, 'data-status': i.status },
          el('td', {}, String(i.mapIndex)), el('td', {}, badge(i.status), i.cached ? ' ' : null, i.cached ? cachedBadge() : null), el('td', {}, String(i.attempts)), el('td', {}, fmtMs(i.duration)),
          el('td', {}, i.error ? `${i.error.code}: ${i.error.message}` : '')))),
      order.length > shown.length ? el('p', { class: 'muted' }, `… and ${(order.length - shown.length).toLocaleString('en-US')} more`) : null)
  }

  /** One task's attempts (a mapped task: its instances), error, logs and output. */
  function renderTask (task, spans, logs) {
    if (task.map) {
      return el('div', { class: 'task-detail', 'data-task': task.taskId },
        el('h3', {}, task.taskId, ' ', badge(task.status), ' ', el('span', { class: 'muted' }, `mapped, ${task.map.size.toLocaleString('en-US')} instances`)),
        task.error ? el('pre', { class: 'error' }, `${task.error.code}: ${task.error.message}`) : null,
        renderInstances(task.map))
    }
    const mine = spans.filter(s => s.taskId === task.taskId)
    return el('div', { class: 'task-detail', 'data-task': task.taskId },
      el('h3', {}, task.taskId, ' ', badge(task.status), task.cached ? ' ' : null, task.cached ? cachedBadge() : null),
      task.cached
        ? el('p', {}, 'output taken from the cache: the handler was not called')
        : el('p', {}, `${task.attempts} attempt(s), last ran ${fmtMs(task.duration)}`, task.reusedFrom ? `, output reused from ${task.reusedFrom}` : ''),
      el('table', {}, el('tr', {}, el('th', {}, 'attempt'), el('th', {}, 'thread'), el('th', {}, 'queue wait'), el('th', {}, 'run'), el('th', {}, 'status')),
        mine.map(s => el('tr', {}, el('td', {}, s.attributes['graph_task.task.attempt']), el('td', {}, s.attributes['thread.id']),
          el('td', {}, fmtMs(Number(s.attributes['graph_task.task.queue_wait_ms']))), el('td', {}, fmtMs(Number(s.attributes['graph_task.task.run_ms']))),
          el('td', {}, s.statusCode, s.statusMessage ? ': ' + s.statusMessage : '')))),
      task.error ? el('pre', { class: 'error' }, `${task.error.code}: ${task.error.message}`) : null,
      task.outputPreview !== undefined ? el('div', {}, el('h4', {}, 'Output'), el('pre', { class: 'output' }, task.outputPreview)) : null,
      el('h4', {}, 'Logs'),
      el('pre', { class: 'task-logs' }, logs.filter(l => l.taskId === task.taskId).map(l => `${fmtTime(l.time)} ${l.level} ${l.message}\n`).join('') || '(none)'))
  }

  /**
   * An execution page: header, DAG, waterfall, task details (on click) and logs.
   * `data` is { execution, tasks, graph, spans, logs }; `actions` an element or null.
   */
  /** "3 of 5 tasks succeeded, 1 failed, 1 skipped": every status that has tasks, out of the total. */
  function taskCounts (e, tasks) {
    const counts = {}
    for (const t of tasks) counts[t.status] = (counts[t.status] || 0) + 1
    const total = Math.max(e.totalTasks, tasks.length)
    const notStarted = total - tasks.length
    if (notStarted > 0) counts['not started'] = (counts['not started'] || 0) + notStarted
    const parts = [`${counts.success || 0} of ${total} tasks succeeded`]
    for (const [status, n] of Object.entries(counts)) if (status !== 'success') parts.push(`${n} ${status}`)
    return parts.join(', ') + (e.status === 'running' ? ` (${e.progress}%)` : '')
  }

  function renderExecution (data, actions) {
    const { execution: e, tasks, graph, spans, logs } = data
    const critical = criticalPath(graph, tasks)
    const detail = el('div', { class: 'detail-slot' }, el('p', { class: 'muted' }, 'Click a task in the graph or the waterfall for its attempts, error, logs and output.'))
    const select = id => {
      const task = tasks.find(t => t.taskId === id)
      if (task) detail.replaceChildren(renderTask(task, spans, logs))
    }
    const t0 = performance.now()
    const page = el('div', { class: 'execution', 'data-execution': e.executionId, 'data-status': e.status },
      el('h2', {}, e.workflowId, ' ', el('span', { class: 'mono' }, e.executionId), ' ', badge(e.status)),
      el('p', { class: 'summary' }, `started ${fmtTime(e.startedAt)}, ${e.status === 'running' ? 'running' : 'took ' + fmtMs(e.duration)}; ` +
        taskCounts(e, tasks), e.retryOf ? ` — retry of ${e.retryOf}` : ''),
      e.error ? el('pre', { class: 'error' }, `${e.error.code}: ${e.error.message}${e.error.taskId ? ` (task ${e.error.taskId})` : ''}`) : null,
      actions,
      el('h3', {}, 'Graph'), renderDag(graph, tasks, critical, select),
      el('h3', {}, 'Waterfall ', el('span', { class: 'muted' }, '(one lane per worker thread: grey line = queue wait, bar = run; orange = critical path; dark outline = a retry)')),
      el('div', { class: 'waterfall-box' }, renderWaterfall(spans, critical, select)),
      detail,
      el('h3', {}, 'Logs'), renderLogs(logs, tasks.map(t => t.taskId)))
    page.dataset.renderMs = (performance.now() - t0).toFixed(1)
    return page
  }

  global.GraphTaskRender = { el, badge, cachedBadge, colour, fmtMs, fmtTime, criticalPath, renderDag, renderWaterfall, renderLogs, renderTask, renderExecution }
})(globalThis)
