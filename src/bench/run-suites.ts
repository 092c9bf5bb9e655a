/**
 * Runs the cases of every suite found: one engine per thread count (the cases that
 * share it run one after another on it), the figures gathered into a `BenchRun`.
 */
import { loadavg } from 'node:os'
import { Engine } from '../engine.js'
import type { EngineOptions } from '../options.js'
import type { ExecutionStorage } from '../storage/storage.js'
import { collectEnvironment } from './baseline.js'
import type { FoundSuite } from './discover.js'
import { measureCases, type GroupCase, type SamplingMode } from './measure.js'
import type { CaseProgress } from './progress.js'
import type { BenchRun, CaseResult } from './results.js'
import { planSuite, type BenchSettings } from './suite.js'

/** What `runSuites` needs besides the suites. */
interface RunSuitesContext {
  /** Settings given on the command line, over every suite's own. */
  overrides: BenchSettings
  /** A fresh storage for each engine; undefined for the in-memory default. */
  openStorage: () => Promise<ExecutionStorage | undefined>
  storageKind: string
  progress: CaseProgress
  /** Default thread count. */
  cores: number
  /** Further options of every engine (threads and storage come from the case and `openStorage`). */
  engineOptions?: Omit<EngineOptions, 'threads' | 'storage'>
  /** A baseline to compare with as the cases are sampled, or 'full' for a run to save as one (measure.ts). */
  sampling?: SamplingMode
}

/** Measures every case and returns the run, cases in the order the suites list them. */
export async function runSuites (suites: readonly FoundSuite[], ctx: RunSuitesContext): Promise<BenchRun> {
  const environment = await collectEnvironment(ctx.storageKind)
  const planned = suites.flatMap(s => planSuite(s, ctx.overrides, ctx.cores).map(c => ({ suite: s.name, c })))
  const byThreads = new Map<number, Array<GroupCase & { index: number }>>()
  planned.forEach((p, index) => {
    const group = byThreads.get(p.c.threads)
    if (group === undefined) byThreads.set(p.c.threads, [{ ...p, index }])
    else group.push({ ...p, index })
  })
  const results: CaseResult[] = new Array(planned.length)
  for (const [threads, group] of byThreads) {
    const engine = new Engine({ ...ctx.engineOptions, threads, storage: await ctx.openStorage() })
    try {
      const published = new Set<string>()
      for (const { c } of group) {
        if (published.has(c.workflow.id)) continue
        published.add(c.workflow.id)
        await engine.publishWorkflow(c.workflow)
      }
      const measured = await measureCases(engine, group, ctx.progress, ctx.sampling)
      group.forEach(({ index }, i) => { results[index] = measured[i] })
    } finally {
      await engine.close()
    }
  }
  environment.loadAverage[1] = loadavg()[0]
  return { format: 1, environment, cases: results }
}
