import { toHex, utf8Encode } from '../lib/bytes.js'
import { sha256 } from '../lib/crypto.js'
import { canonicalDomainError, canonicalize, type JsonValue } from '../lib/jcs.js'

/** A presentation's binding: `0x` and 64 lowercase hex digits, the SHA-256 of what it authorises (a `bytes32` on chain). */
const BINDING = /^0x[0-9a-f]{64}$/

/** Whether `value` has the form of a binding: `0x` and 64 lowercase hex digits. @internal */
export function isBinding(value: unknown): value is string {
  return typeof value === 'string' && BINDING.test(value)
}

/**
 * The digest a holder binds its presentation to, and the verifier recomputes from the terms it
 * received: SHA-256 of the terms' RFC 8785 (JCS) bytes, as `0x` and 64 lowercase hex digits, so an
 * on-chain gate can keep it as a `bytes32`. The terms are a JSON object of strings, booleans, safe
 * integers (amounts in whole units: kW, fen), arrays and objects — no `null`, no fractions, so every
 * language canonicalizes them alike.
 *
 * @throws {TypeError} when `terms` is not a plain object or holds a value outside that domain.
 * @example
 * ```ts
 * const binding = termsDigest({ event: 'peak-2026-07-15-01', role: 'user', capacityKw: 120, priceFen: 1200 })
 * const vp = await createPresentation({ holder, credentials, audience, challenge, binding })
 * // the contract: checkRole(vp, requirement, { ...context, binding: termsDigest(termsItReceived) })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#presentations
 */
export function termsDigest(terms: { readonly [key: string]: unknown }): string {
  if (typeof terms !== 'object' || terms === null || Array.isArray(terms)) throw new TypeError('terms must be a JSON object')
  const problem = canonicalDomainError(terms)
  if (problem) throw new TypeError(`terms must hold only strings, booleans, safe integers, arrays and objects: ${problem}`)
  return `0x${toHex(sha256(utf8Encode(canonicalize(terms as JsonValue))))}`
}
