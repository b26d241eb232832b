import { describe, expect, it } from 'vitest'
import { EdrContext, L1_CHAIN_TYPE, SHANGHAI, l1HardforkFromString } from '../../../src/ledger/peers/edr.js'

// Without EDR: test/package/install.test.ts, in a scratch install.
describe('EDR, loaded when grid-did/ledger/devchain is imported', () => {
  it('exports the engine the dev chain uses', () => {
    expect(typeof EdrContext).toBe('function')
    expect(typeof L1_CHAIN_TYPE).toBe('string')
    expect(l1HardforkFromString(SHANGHAI)).toBeDefined()
  })
})
