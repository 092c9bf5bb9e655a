/**
 * Writes markup where the console shows history: a log line, the output and the error
 * message all hold `<img src=x onerror=alert(1)>`. A page that renders history as HTML
 * runs the alert; one that renders it as text shows the tag.
 */
export const kPayload = '<img src=x onerror=alert(1)>'
/** What would end a <script> element early if written into one unescaped (the --html report inlines history). */
export const kClosing = '</script><img src=x onerror=alert(2)>'

export default function xss (input, ctx) {
  ctx.logger.warn(kPayload, { html: kPayload })
  ctx.logger.warn(kClosing)
  if (ctx.params?.fail === true) throw new Error(`failed with ${kPayload}`)
  return { html: kPayload }
}
