/**
 * Allocates until the heap runs out, to test the workers' resourceLimits. Plain arrays,
 * not typed arrays: typed array contents live outside the V8 heap and would not hit
 * maxOldGenerationSizeMb.
 */
export default function memoryHog () {
  const hoard = []
  for (;;) hoard.push(new Array(1 << 20).fill(hoard.length))
}
