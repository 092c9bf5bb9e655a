// graph-task/bench: benchmark suites of workflows, their runs, comparisons and reports.
export { defineSuite, isSuite } from '../bench/suite.js'
export { compareRuns } from '../bench/compare.js'
export { BenchError } from '../errors.js'
export type { Suite, SuiteDefinition, SuiteEntry, BenchSettings, BenchCase } from '../bench/suite.js'
export type { CompareOptions, CaseComparison, TaskComparison } from '../bench/compare.js'
export type { InconclusiveReason } from '../bench/verdict.js'
export type { BenchRun, BenchEnvironment, CaseResult, LatencyStats, ThroughputPoint, TaskTiming, TaskRounds } from '../bench/results.js'
