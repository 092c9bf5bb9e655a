/** Types of work.mjs, for the TypeScript scenarios that run the loop inline. */
export declare function burn (iterations: number): number
export declare function work (input: unknown, ctx: { params: { iterations: number } }): number
