import { writeFile } from 'node:fs/promises'
import type { Engine } from '../engine.js'
import { HistoryReader } from '../console/history-reader.js'
import { reportData, reportHtml } from '../console/report.js'

/** `graph-task show <id> --html file`: the execution page as one self-contained HTML file. */
export async function writeReport (engine: Engine, executionId: string, file: string): Promise<number> {
  const reader = new HistoryReader(engine.storage, engine)
  const data = await reportData(reader, executionId)
  await writeFile(file, reportHtml(data, `graph-task ${executionId}`))
  process.stdout.write(`wrote ${file}: execution ${executionId}\n`)
  return 0
}
