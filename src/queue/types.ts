/** Shapes the execution queue takes and gives. */
import type { ExecutionStatus } from '../types.js'
import type { SubmitOptions } from './queue-options.js'

/** One execution of `submitBulk`. */
export interface BulkItem { workflowId: string, input?: unknown, options?: SubmitOptions }

/** Where an execution stands in the queue. */
export interface QueuedExecutionStatus {
  executionId: string
  workflowId: string
  /** BullMQ's state of its job: waiting (no instance took it yet), delayed, prioritized, active, completed, failed. */
  state: string
  /** Times an instance took it (more than 1 after a crash or a hand-back). */
  deliveries: number
  /** The execution's status once its job completed. */
  status?: ExecutionStatus
}

/** A schedule as `schedules()` lists it. */
export interface ScheduleInfo { name: string, workflowId: string, every?: number, cron?: string, next?: number }

/** One workflow's queue as `overview()` shows it. */
export interface WorkflowQueueView {
  workflowId: string
  /** BullMQ's job counts: waiting, active, delayed, prioritized, failed, completed. */
  counts: Record<string, number>
  /** Ids of the live instances that serve it (their advertisement has not run out). */
  servedBy: string[]
}

/** The queues at a glance: what waits and runs per workflow, who serves it, and the schedules. */
export interface QueueOverview {
  /** Every workflow with a queue or a live server, by id. */
  workflows: WorkflowQueueView[]
  schedules: ScheduleInfo[]
  /** When it was read, epoch ms. */
  at: number
}
