/**
 * Seeded pseudo-random numbers for the example workflows: they are test fixtures and
 * benchmark subjects, so the same input must give the same bytes on every run and thread.
 */

/**
 * mulberry32 (Tommy Ettinger, public domain): 32 bits of state, fast, and good enough
 * for synthetic data. Returns a function yielding floats in [0, 1).
 * @param {number} seed any number; only its low 32 bits are used
 * @returns {() => number}
 */
export function mulberry32 (seed) {
  let state = seed >>> 0
  return function next () {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
