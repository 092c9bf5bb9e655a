import { createWorkflow } from 'graph-task'

const h = name => new URL(`./handlers/files.mjs#${name}`, import.meta.url)

/**
 * One instance per file, over the files a listing finds at run time: `list` walks
 * `input.dir` (default: this package's dist/) for files ending in `input.ext` (default
 * `.js`); `measure` reads and measures each file (lines, identifiers, sha256); `compress`
 * compresses each one (gzip-9 and brotli-11 sizes), right after its own `measure`; `merge`
 * sums them up, in file order.
 */
export const perFile = createWorkflow('per-file')
  .setDescription('list the .js files of a folder, measure and compress each one, merge the totals')
  .addTask('list', { handler: h('list') })
  .addTask('measure', { handler: h('measure'), map: 'list' })
  .addTask('compress', { handler: h('compress'), map: 'measure' })
  .addTask('merge', { handler: h('merge'), dependsOn: ['compress'] })
  .build()

export default perFile
