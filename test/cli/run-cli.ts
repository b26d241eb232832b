import { execFile, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.js')
export const PASS = 'correct horse battery staple'

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built binary on `home` from `cwd`, with $GRID_DID_PASSPHRASE set; `started` sees the child. */
export function runCli(
  home: string,
  cwd: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; started?: (child: ChildProcess) => void } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, '--home', home, ...args],
      { cwd, env: { ...process.env, GRID_DID_PASSPHRASE: PASS, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
    )
    options.started?.(child)
  })
}
