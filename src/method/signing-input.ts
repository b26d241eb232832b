import { utf8Encode } from '../lib/bytes.js'
import { canonicalize, type JsonValue } from '../lib/jcs.js'
import type { Operation } from './operation-types.js'

/** Domain-separation tag prefixed to every signing input. */
export const SIGNING_DOMAIN = 'did:grid:operation:v1'

/**
 * The bytes an operation's signature covers: `SIGNING_DOMAIN || 0x00 || JCS(operation without sig)`.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#signatures
 */
export function signingInput(operation: Omit<Operation, 'sig'> | Operation): Uint8Array {
  const { sig: _sig, ...unsigned } = operation as Operation
  const body = utf8Encode(canonicalize(unsigned as unknown as JsonValue))
  const out = new Uint8Array(SIGNING_DOMAIN.length + 1 + body.length)
  out.set(utf8Encode(SIGNING_DOMAIN))
  out[SIGNING_DOMAIN.length] = 0
  out.set(body, SIGNING_DOMAIN.length + 1)
  return out
}
