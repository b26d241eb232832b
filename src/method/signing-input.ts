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

const DOMAIN_BYTES = utf8Encode(SIGNING_DOMAIN)
// What may follow the top-level "sig" member of a canonical operation: members whose keys sort
// after "sig" ("type", "updateKey"), with plain string values, then the closing brace.
const TAIL = /(?:,"[A-Za-z]+":"[A-Za-z0-9]+")*\}$/y

/**
 * {@link signingInput} of an operation decoded from `bytes`, whose UTF-8 text `text` is its canonical
 * form (checked by the caller): the `,"sig":"…"` member is cut out of the bytes instead of
 * serialising the operation again. Found from the end, followed only by bracket-free top-level
 * members, it can only be the top-level member; anything else takes the general path.
 * @internal for the operation decoder
 */
export function signingInputOfCanonical(operation: Operation, text: string, bytes: Uint8Array): Uint8Array {
  const member = `,"sig":"${operation.sig}"`
  const at = text.lastIndexOf(member)
  TAIL.lastIndex = at + member.length
  if (at < 0 || typeof operation.sig !== 'string' || !/^[A-Za-z0-9_-]+$/.test(operation.sig) || !TAIL.test(text)) {
    return signingInput(operation)
  }
  // The member and what follows it are ASCII: as many bytes as characters.
  const start = bytes.length - (text.length - at)
  const out = new Uint8Array(DOMAIN_BYTES.length + 1 + bytes.length - member.length)
  out.set(DOMAIN_BYTES)
  out[DOMAIN_BYTES.length] = 0
  out.set(bytes.subarray(0, start), DOMAIN_BYTES.length + 1)
  out.set(bytes.subarray(start + member.length), DOMAIN_BYTES.length + 1 + start)
  return out
}
