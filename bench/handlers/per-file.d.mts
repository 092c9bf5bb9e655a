/** Types of per-file.mjs for the TypeScript benchmarks. */
export function merge (input: unknown, ctx: { deps: { compress: unknown[] } }): { files: number, bytes: number, digest: string }
