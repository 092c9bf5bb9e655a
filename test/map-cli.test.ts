import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { cli } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const workflow = new URL('../workflows/per-file/workflow.mjs', import.meta.url).pathname
const slow = { timeout: 60_000 }

describe('the per-file example under graph-task run', () => {
  // Printing one row per task result without the map's counts (summary.ts) fails this test (checked).
  test('a mapped task is one row of the table, with its instances counted by status', slow, async () => {
    const dir = await tempDir()
    for (const [name, text] of [['a.js', 'const a = 1\n'], ['b.js', 'let b = a + 2\nb++\n'], ['c.txt', 'not js']]) await writeFile(join(dir, name), text)
    const { code, stdout } = await cli(['run', workflow, '--input', JSON.stringify({ dir, brotliQuality: 4 })])
    expect(code).toBe(0)
    const rows = stdout.split('\n')
    expect(rows.filter(r => /^(measure|compress) /.test(r)).map(r => r.replace(/\s+/g, ' ').replace(/ [\d.]+ (us|ms|s) /, ' <time> '))).toEqual([
      'measure success 2 <time> 2 instances: 2 success',
      'compress success 2 <time> 2 instances: 2 success'
    ])
    expect(stdout).toContain('output of merge: {"files":2,"bytes":30,"lines":5,"identifiers":6,')
  })

  test('an empty folder maps over nothing and merges nothing', slow, async () => {
    const dir = await tempDir()
    const { code, stdout } = await cli(['run', workflow, '--input', JSON.stringify({ dir })])
    expect(code).toBe(0)
    expect(stdout).toContain('output of merge: {"files":0,"bytes":0,')
  })
})
