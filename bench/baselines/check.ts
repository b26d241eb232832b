/**
 * Smoke check of the resolve baselines: builds them on a fresh dev chain, resolves each 200 times,
 * prints resolves/s and the JSON-RPC calls per did:ethr resolve. Throws if a document is wrong.
 *
 *   npx tsx bench/baselines/check.ts
 */
import type { DIDResolutionResult } from 'did-resolver'
import { createDevChain } from '../../src/ledger/devchain.js'
import { ethrBaseline, type EthrBaselineOptions } from './ethr.js'
import { keyBaseline } from './key.js'

const CHANGES = 10
const N = 200

interface Baseline {
  resolve(): Promise<DIDResolutionResult>
  check(result: DIDResolutionResult): void
  readonly calls?: ReadonlyMap<string, number>
}

/**
 * Resolves per second over `n` sequential resolves (after 20 unmeasured), checking the last result,
 * and the JSON-RPC calls per measured resolve by method.
 */
async function measure(baseline: Baseline, n: number): Promise<{ perSecond: number; calls: string }> {
  for (let i = 0; i < 20; i++) await baseline.resolve()
  const before = new Map(baseline.calls ?? [])
  let last: DIDResolutionResult | undefined
  const t = performance.now()
  for (let i = 0; i < n; i++) last = await baseline.resolve()
  const perSecond = (n / (performance.now() - t)) * 1000
  baseline.check(last!)
  const calls = [...(baseline.calls ?? [])]
    .map(([method, count]) => `${method} ×${round((count - (before.get(method) ?? 0)) / n)}`)
    .join(', ')
  return { perSecond, calls: calls || 'none' }
}
const round = (x: number) => Math.round(x * 100) / 100

const chain = await createDevChain()
try {
  const variants: [string, EthrBaselineOptions][] = [
    ["warm: ethers' 250 ms request cache (default)", {}],
    ['no request cache (every resolve reads the change chain)', { cacheTimeout: -1 }],
    ['no request cache, stock BrowserProvider queue (a setTimeout per call)', { cacheTimeout: -1, ethersQueue: true }],
  ]
  for (const [label, options] of variants) {
    const { perSecond, calls } = await measure(await ethrBaseline(chain, CHANGES, options), N)
    console.log(`did:ethr, ${CHANGES} changes, ${label}: ${perSecond.toFixed(0)} resolves/s; JSON-RPC per resolve: ${calls}`)
  }
  const { perSecond } = await measure(await keyBaseline(), N)
  console.log(`did:key Ed25519 (key-did-resolver): ${perSecond.toFixed(0)} resolves/s`)
} finally {
  await chain.close()
}
