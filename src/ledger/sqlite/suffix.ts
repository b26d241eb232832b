import { base32 } from 'multiformats/bases/base32'

/** An index suffix the ledger can hold: 52 base32 characters of 32 bytes. */
export const SUFFIX = /^[a-z2-7]{51}[aq]$/

/** The stored key of an index suffix: the 32 bytes behind its base32. */
export function suffixBytes(suffix: string): Uint8Array {
  return base32.baseDecode(suffix)
}
