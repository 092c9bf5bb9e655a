/**
 * `graph-task show <id> --html file`: one self-contained HTML file with the console's
 * execution page (DAG, waterfall, logs), the data and the drawing code inlined, that
 * opens from disk with no server.
 */
import type { HistoryReader } from './history-reader.js'
import { staticText } from './static-files.js'

/** Everything the execution page draws. */
export async function reportData (reader: HistoryReader, executionId: string): Promise<Record<string, unknown>> {
  const view = await reader.execution(executionId)
  const [spans, logs] = await Promise.all([reader.spans(executionId), reader.logs(executionId, { limit: 100_000 })])
  return { ...view, graph: (await reader.graphOf(view.execution)) ?? null, spans, logs }
}

// Inside a <script> element only `</script` (and `<!--`) can end it early: `<` is written as
// its JSON escape, so no value from history can close the element or open a tag.
function inlineJson (value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

function inlineScript (text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1')
}

/** The report's HTML text. */
export function reportHtml (data: Record<string, unknown>, title: string): string {
  const safeTitle = title.replace(/[<>&"']/g, c => `&#${c.charCodeAt(0)};`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${safeTitle}</title>
<style>${staticText('console.css').replace(/<\//g, '<\\/')}</style>
</head>
<body>
<header><span class="brand">graph-task report</span></header>
<main id="main"></main>
<script type="application/json" id="graph-task-data">${inlineJson(data)}</script>
<script>${inlineScript(staticText('render.js'))}</script>
<script>${inlineScript(staticText('report.js'))}</script>
</body>
</html>
`
}
