/**
 * Writes markup where the console shows history: a log line, the output and the error
 * message all hold `<img src=x onerror=alert(1)>`. A page that renders history as HTML
 * runs the alert; one that renders it as text shows the tag.
 */
export const kPayload = '<img src=x onerror=alert(1)>'

export default function xss (input, ctx) {
  ctx.logger.warn(kPayload, { html: kPayload })
  if (ctx.params?.fail === true) throw new Error(`failed with ${kPayload}`)
  return { html: kPayload }
}
