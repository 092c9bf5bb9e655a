/** Exits its thread: in a worker, process.exit ends the worker, not the process. */
export default function exit () {
  process.exit(1)
}
