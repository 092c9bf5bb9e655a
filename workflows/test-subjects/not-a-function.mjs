/** Exports values that are not functions: publishing a task on them must fail. */
export default { run () {} }

export const answer = 42
