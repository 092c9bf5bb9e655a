import { writeFile } from 'node:fs/promises'
import type { HistoryReader } from '../console/history-reader.js'
import { reportData, reportHtml } from '../console/report.js'

/** `graph-task show <id> --html file`: the execution page as one self-contained HTML file. */
export async function writeReport (reader: HistoryReader, executionId: string, file: string): Promise<number> {
  const data = await reportData(reader, executionId)
  await writeFile(file, reportHtml(data, `graph-task ${executionId}`))
  process.stdout.write(`wrote ${file}: execution ${executionId}\n`)
  return 0
}
