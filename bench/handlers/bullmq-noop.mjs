/** BullMQ sandboxed processor (worker thread) that does nothing, like the engine's noop. */
export default async function noop () {}
