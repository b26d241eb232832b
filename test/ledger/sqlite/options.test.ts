import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../../src/method/limits.js'
import { SqliteLedger } from '../../../src/ledger/sqlite.js'
import { POOLED_BATCH } from '../../../src/ledger/sqlite/options.js'
import { newDid } from '../../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-options-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('SqliteLedger options', () => {
  it('pools batches from 16 operations, well inside the batch limit', () => {
    expect(POOLED_BATCH).toBe(16)
    expect(POOLED_BATCH).toBeLessThan(LIMITS.batchOperations)
  })

  it.each([-1, 1.5, Number.NaN, '2'])('refuses verifyThreads %s with a RangeError', (verifyThreads) => {
    expect(() => new SqliteLedger(join(dir, 'x.db'), { create: true, verifyThreads: verifyThreads as number })).toThrow(
      new RangeError('verifyThreads must be a non-negative integer'),
    )
  })

  it('verifyThreads 0 admits on the calling thread', async () => {
    const ledger = new SqliteLedger(join(dir, 'zero.db'), { create: true, verifyThreads: 0 })
    const { create } = await newDid('options')
    expect((await ledger.submit([create])).map((r) => r.did)).toEqual([create.did])
    await ledger.close()
  })
})
