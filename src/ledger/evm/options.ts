import { getAddress, isAddress, privateKeyToAccount, type Address, type Hex, type LocalAccount } from '../peers/viem.js'

/** A checksummed address, or a TypeError. */
export function addressOf(address: string): Address {
  if (typeof address !== 'string' || !isAddress(address, { strict: false })) throw new TypeError(`not an address: ${String(address)}`)
  return getAddress(address)
}

/** An integer option of at least `min`, or a RangeError. */
export function count(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}

/** The signing account of a private key or a viem local account (undefined stays undefined). */
export function accountOf(account: Hex | LocalAccount | undefined): LocalAccount | undefined {
  if (account === undefined) return undefined
  if (typeof account === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(account))
      throw new TypeError('account must be a 0x-prefixed 32-byte private key or a viem local account')
    return privateKeyToAccount(account)
  }
  if (typeof account?.signTransaction !== 'function' || typeof account.address !== 'string') {
    throw new TypeError('account must be a 0x-prefixed 32-byte private key or a viem local account')
  }
  return account
}
