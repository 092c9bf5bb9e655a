/**
 * Runs one of the scripts/ensure-*.sh scripts, which start or install a service the tests
 * need and say what they did. Their output is shown as it comes (an install takes minutes);
 * a failure rejects with what the script said, so that the reason is in the error itself.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const kScripts = new URL('../../scripts/', import.meta.url)
// Lines of output repeated in the error: enough for apt-get's reason, not its whole log.
const kTailLines = 40

/**
 * @param script file name under scripts/, e.g. 'ensure-mysql.sh'
 * @param need what the tests need it for, for the error message
 * @param hint how to get past a failure, for the error message
 * @throws {Error} when the script exits with a non-zero status
 */
export async function runEnsureScript (script: string, need: string, hint: string): Promise<void> {
  const path = fileURLToPath(new URL(script, kScripts))
  const chunks: Buffer[] = []
  const status = await new Promise<number | string>((resolve, reject) => {
    const child = spawn('bash', [path], { stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
      chunks.push(chunk)
      out.write(chunk)
    }
    child.stdout.on('data', keep(process.stdout))
    child.stderr.on('data', keep(process.stderr))
    child.once('error', reject)
    child.once('close', (code, signal) => resolve(code ?? String(signal)))
  })
  if (status === 0) return
  const tail = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').slice(-kTailLines).join('\n')
  throw new Error(`scripts/${script} failed (exit ${status}): ${need}. It said:\n${tail}\n${hint}`)
}
