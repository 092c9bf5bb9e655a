import type { Workflow } from 'graph-task'

/** One task (see queued.mjs). */
export const single: Workflow
/** first -> second -> gate -> last, where `gate` waits for a release file. */
export const gated: Workflow
/** list -> parse (mapped over list) -> gather. */
export const mapped: Workflow
