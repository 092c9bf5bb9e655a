// The state of one task slot of an execution, kept in a Uint8Array (Execution.state).

/** Per-task state. `Mapped`: a mapped task expanded into instances, none of which is final yet. */
export const enum TaskState { Pending, Ready, InFlight, RetryWait, Success, Failed, Skipped, Cancelled, Mapped }
