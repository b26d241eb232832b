/**
 * Shared pieces of the benchmarks: every figure is compared with a baseline measured in the same
 * run (machines here are shared and noisy: ratios hold, absolute times do not).
 */

import { Ed25519KeyPair, createDid, type JwtSigner, type Ledger } from '../src/index.js'

/** One row of the table and of bench/results.json. */
export interface Row {
  name: string
  value: number
  unit: string
  baseline: string
  baselineValue: number
  /** value / baselineValue (for times, lower is better: see `target`). */
  ratio: number
  /** The target in words, e.g. "≥ 8× did-jwt-vc". */
  target: string
  /** Whether the target is met; `null` for rows that only report. */
  met: boolean | null
}

export interface BenchContext {
  /** `--quick`: the same comparisons at a smaller scale (whole suite under 2 minutes). */
  quick: boolean
  /** Scale factor for counts: 1, or smaller with --quick. */
  scale: number
  record(row: Omit<Row, 'ratio'> & { ratio?: number }): void
  /** Progress to stderr (the table goes to stdout). */
  log(line: string): void
}

/** Operations per second of `fn`, run `n` times after a short warm-up. */
export async function rate(n: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(i)
  const t = performance.now()
  for (let i = 0; i < n; i++) await fn(i)
  return (n / (performance.now() - t)) * 1000
}

/** Median wall time of `fn` in milliseconds over `n` runs (after one warm-up). */
export async function medianMs(n: number, fn: () => unknown): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

export const round = (x: number) => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 100) / 100)

/** A fresh DID on `ledger` with `key-1` for authentication and assertions: a benchmark's issuer or holder. */
export async function newParty(ledger: Ledger): Promise<JwtSigner> {
  const signer = Ed25519KeyPair.generate()
  const op = await createDid({
    network: 'sgcc',
    updateKey: Ed25519KeyPair.generate(),
    recoveryKey: Ed25519KeyPair.generate(),
    document: {
      verificationMethods: [
        { id: 'key-1', type: 'Multikey', publicKeyMultibase: signer.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] },
      ],
    },
  })
  await ledger.submit([op.bytes])
  return { did: op.did, keyId: 'key-1', signer }
}
