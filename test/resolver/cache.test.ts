import { describe, expect, it } from 'vitest'
import { LedgerUnavailableError, MemoryLedger, parseDid, type Ledger } from '../../src/index.js'
import { ViewCache } from '../../src/resolver/cache.js'
import { newDid } from '../helpers.js'

/** A MemoryLedger that records each read (key, afterHeight) and can be switched to fail. */
function recording(inner: MemoryLedger) {
  const reads: { suffix: string; afterHeight: number }[] = []
  const control = { failing: false }
  const ledger: Ledger = {
    head: () => inner.head(),
    submit: (ops) => inner.submit(ops),
    read: async (suffix, options = {}) => {
      if (control.failing) throw new LedgerUnavailableError('connection refused (injected)')
      reads.push({ suffix, afterHeight: options.afterHeight ?? 0 })
      return inner.read(suffix, options)
    },
  } as Ledger
  return { ledger, reads, control }
}

describe('ViewCache: a bounded LRU of verified views, owned by its resolver', () => {
  it('keeps at most maxEntries views, evicting the least recently used; a failed read changes nothing', async () => {
    const inner = new MemoryLedger()
    const [a, b, c, d] = await Promise.all(['lru-a', 'lru-b', 'lru-c', 'lru-d'].map((label) => newDid(label)))
    await inner.submit([a!.create.bytes, b!.create.bytes, c!.create.bytes])
    const { ledger, reads, control } = recording(inner)
    const cache = new ViewCache(2, 0, new Uint8Array(32))
    const view = (x: typeof a) => cache.view(ledger, parseDid(x!.create.did), 'latest')
    const suffix = (x: typeof a) => parseDid(x!.create.did).suffix

    await view(a)
    await view(b)
    await view(a) // a hit: no read, and a becomes the most recently used
    expect(reads.map((r) => r.suffix)).toEqual([suffix(a), suffix(b)])

    await inner.submit([d!.create.bytes]) // the head moves: cached views extend from their height
    control.failing = true
    await expect(view(b)).rejects.toBeInstanceOf(LedgerUnavailableError) // b is not touched
    control.failing = false
    reads.length = 0
    await view(c) // evicts b, the least recently used (the failed read did not make it recent)
    await view(a) // still cached: extends from height 1
    await view(b) // evicted: read from the start
    expect(reads).toEqual([
      { suffix: suffix(c), afterHeight: 0 },
      { suffix: suffix(a), afterHeight: 1 },
      { suffix: suffix(b), afterHeight: 0 },
    ])
  })

  it('caches nothing with maxEntries 0', async () => {
    const inner = new MemoryLedger()
    const a = await newDid('lru-none')
    await inner.submit([a.create.bytes])
    const { ledger, reads } = recording(inner)
    const cache = new ViewCache(0, 0, new Uint8Array(32))
    await cache.view(ledger, parseDid(a.create.did), 'latest')
    await cache.view(ledger, parseDid(a.create.did), 'latest')
    expect(reads).toHaveLength(2)
  })
})
