import { execFile, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js'
import { createDid } from '../../src/method/create.js'
import { Ed25519KeyPair } from '../../src/method/keys.js'

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
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
    )
    options.started?.(child)
  })
}

/**
 * Anchors `count` fresh DIDs of `network` straight into a home's embedded ledger, in one batch (as
 * the CLI would one by one, without 1,000 processes); returns them in order.
 */
export async function anchorDids(home: string, count: number, network = 'sgcc'): Promise<string[]> {
  const ledger = new SqliteLedger(join(home, 'ledger.db'))
  try {
    const ops = await Promise.all(
      Array.from({ length: count }, () => {
        const key = Ed25519KeyPair.generate()
        return createDid({
          network,
          updateKey: key,
          recoveryKey: Ed25519KeyPair.generate().publicKeyMultibase,
          document: {
            verificationMethods: [
              {
                id: 'key-1',
                type: 'Multikey',
                publicKeyMultibase: key.publicKeyMultibase,
                purposes: ['authentication', 'assertionMethod'],
              },
            ],
          },
        })
      }),
    )
    await ledger.submit(ops.map((o) => o.bytes))
    return ops.map((o) => o.did)
  } finally {
    await ledger.close()
  }
}
