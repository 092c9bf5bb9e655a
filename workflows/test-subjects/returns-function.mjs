/** Returns a value structured clone cannot copy (a function). */
export default function returnsFunction () {
  return { f () {} }
}
