import { createRequire } from 'node:module'
import { getAddress as viemGetAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { BaseError, ContractFunctionRevertedError, getAddress, privateKeyToAccount } from '../../../src/ledger/peers/viem.js'

// Without viem: test/package/install.test.ts, in a scratch install.
describe('viem, loaded on first call', () => {
  it('calls through to viem', () => {
    const address = '0x52908400098527886e0f7030069857d2e4169ee7'
    expect(getAddress(address)).toBe(viemGetAddress(address))
    expect(privateKeyToAccount(`0x${'11'.repeat(32)}`).address).toMatch(/^0x[0-9a-fA-F]{40}$/)
  })

  it('tells viem errors apart by instanceof, as the classes would', () => {
    let thrown: unknown
    try {
      getAddress('0x123')
    } catch (err) {
      thrown = err
    }
    // viem as the loader loads it: its CommonJS build (an ES module importing 'viem' gets the other build's classes).
    const { BaseError: ViemBaseError } = createRequire(import.meta.url)('viem') as typeof import('viem')
    expect(thrown).toBeInstanceOf(ViemBaseError)
    expect((thrown as Error).name).toBe('InvalidAddressError')
    expect(thrown instanceof BaseError).toBe(true)
    expect(thrown instanceof ContractFunctionRevertedError).toBe(false)
    expect(new Error('x') instanceof BaseError).toBe(false)
  })
})
