/*
 * graph-task report: the execution page of the console, drawn from the data inlined in
 * this file (graph-task show <id> --html), with no server.
 */
'use strict'
;(function () {
  const data = JSON.parse(document.getElementById('graph-task-data').textContent)
  document.getElementById('main').replaceChildren(globalThis.GraphTaskRender.renderExecution(data, null))
})()
