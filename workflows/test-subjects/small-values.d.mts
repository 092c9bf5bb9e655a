/** Values of every kind, by name, built afresh on each call (see small-values.mjs). */
export function kinds (): Record<string, any>
