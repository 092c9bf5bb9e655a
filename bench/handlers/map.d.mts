/** Types of map.mjs for the TypeScript benchmarks. */
export interface Skew { iterations: number, slowEvery: number, slowAt: number, factor: number }
export function iterationsOf (p: Skew, index: number): number
