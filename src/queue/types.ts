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
