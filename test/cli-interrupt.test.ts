import { once } from 'node:events'
import { describe, expect, onTestFinished, test } from 'vitest'
import { cliInTerminal } from './helpers/cli.js'

const slow = { timeout: 60_000 }

/**
 * Runs the interruptible workflow in a real terminal and presses Ctrl-C once `ready` holds
 * for the screen so far; resolves with the exit code and the whole screen.
 */
async function interruptWhen (ready: (screen: string) => boolean): Promise<{ code: number, screen: string }> {
  const { child, interrupt } = cliInTerminal(['run', 'workflows/test-subjects/interruptible-workflow.mjs', '--threads', '2'])
  onTestFinished(() => { if (child.exitCode === null) child.kill() })
  let screen = ''
  let interrupted = false
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (text: string) => {
    screen += text
    if (!interrupted && ready(screen)) {
      interrupted = true
      interrupt()
    }
  })
  const [code] = await once(child, 'exit')
  return { code: code as number, screen }
}

describe('Ctrl-C on the command line, in a real terminal', () => {
  test('Ctrl-C cancels the execution, shows its tasks as cancelled, and exits 130', slow, async () => {
    // Both tasks run (each says so on stdout): now a person presses Ctrl-C.
    const { code, screen } = await interruptWhen(screen => screen.includes('left waiting') && screen.includes('right waiting'))
    expect(code).toBe(130)
    expect(screen).toMatch(/^left\s+cancelled\s+1\s/m)
    expect(screen).toMatch(/^right\s+cancelled\s+1\s/m)
    expect(screen).toMatch(/^join\s+cancelled\s+0\s/m)
    // The bar's last frame counts them as cancelled, not failed.
    expect(screen).toMatch(/\] 3\/3 tasks, 3 cancelled/)
    expect(screen).not.toMatch(/tasks, \d+ failed/)
  })

  test('handler console.log lines are printed above the live progress bar, not through it', slow, async () => {
    // Once the bar has been drawn after both lines, the screen has what the test looks at.
    const { screen } = await interruptWhen(screen => /right waiting[^]*tasks/.test(screen) && /left waiting[^]*tasks/.test(screen))
    // What a terminal shows on each line: the text after the last carriage return.
    const lines = screen.split('\n').map(line => line.replace(/\r$/, '').split('\r').at(-1)!.replace(/\x1b\[K/g, ''))
    for (const task of ['left', 'right']) {
      expect(lines).toContain(`${task} waiting`)
    }
    // Nothing of a bar is left on the lines the handlers printed, and the bar never sits on a handler's line.
    expect(screen).not.toMatch(/tasks +\d+\.\ds(left|right) waiting/)
  })
})
