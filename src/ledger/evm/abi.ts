import { base32 } from 'multiformats/bases/base32'
import { toEventSelector, type Abi, type AbiEvent, type Hex } from '../peers/viem.js'
import { toHex } from '../../lib/bytes.js'
import { REGISTRY_ARTIFACT } from '../registry-artifact.js'

/** The bundled registry's ABI. */
export const ABI = REGISTRY_ARTIFACT.abi

/** The same ABI, untyped: for calls whose function name and arguments are chosen at run time. */
export const DYNAMIC_ABI: Abi = ABI

/** The registry `VERSION` this library reads. */
export const REGISTRY_VERSION = 1n

/** An index suffix the registry can hold: 52 base32 characters of 32 bytes. */
export const SUFFIX = /^[a-z2-7]{51}[aq]$/

/** topic0 of the registry's `Anchored` event. */
export const ANCHORED = toEventSelector(ABI.find((e) => e.type === 'event' && e.name === 'Anchored') as AbiEvent)

/** The registry key of an index suffix: the 32 bytes behind its base32. */
export function keyOf(suffix: string): Hex {
  return hexOf(base32.baseDecode(suffix))
}

export function hexOf(bytes: Uint8Array): Hex {
  return `0x${toHex(bytes)}`
}

export function bytesOf(hex: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'))
}
