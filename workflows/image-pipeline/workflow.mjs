import { createWorkflow } from 'graph-task'

/**
 * Image pipeline: one synthetic image fans out to per-pixel filters that run in parallel
 * on the worker pool, and fans back in to a small summary.
 *
 *   generate ─┬─ grayscale ─┬─ edges ──────┐
 *             │             ├─ equalize ───┤
 *             │             └──────────────┤
 *             ├─ blur ──────┬─ downscale ──┤
 *             │             └──────────────┤
 *             └─ denoise ──────────────────┴─ merge
 *
 * Execution input: `{ width = 512, height = 512, seed = 1 }`.
 */
const handler = (path) => new URL(`./handlers/${path}`, import.meta.url)

export default createWorkflow('image-pipeline')
  .setDescription('Synthetic RGBA image through grayscale, blur, median denoise, Sobel edges, equalisation and downscale, summarised')
  .setVersion('1.0.0')
  .addTask('generate', { name: 'Generate image', handler: handler('generate.mjs'), input: { shapes: 24, noise: 20 } })
  .addTask('grayscale', { name: 'Grayscale', handler: handler('filters.mjs#grayscale'), dependsOn: ['generate'] })
  .addTask('blur', { name: 'Gaussian blur 5x5', handler: handler('filters.mjs#blur'), dependsOn: ['generate'], input: { radius: 2 } })
  .addTask('denoise', { name: 'Median 3x3', handler: handler('filters.mjs#denoise'), dependsOn: ['generate'] })
  .addTask('edges', { name: 'Sobel edges', handler: handler('filters.mjs#edges'), dependsOn: ['grayscale'], input: { threshold: 96 } })
  .addTask('equalize', { name: 'Histogram equalisation', handler: handler('filters.mjs#equalize'), dependsOn: ['grayscale'] })
  .addTask('downscale', { name: 'Thumbnail', handler: handler('filters.mjs#downscale'), dependsOn: ['blur'], input: { size: 64 } })
  .addTask('merge', { name: 'Summary', handler: handler('merge.mjs'), timeout: 30000, retry: { maxAutoRetries: 1 } })
  .addDependency('grayscale', 'merge')
  .addDependency('blur', 'merge')
  .addDependency('denoise', 'merge')
  .addDependency('edges', 'merge')
  .addDependency('equalize', 'merge')
  .addDependency('downscale', 'merge')
  .build()
