import { base32 } from 'multiformats/bases/base32'
import { InvalidOperationError, type OperationFaultReason } from '../errors.js'
import { ed25519Verify, sha256, type DeferredCheck } from '../lib/crypto.js'
import { messageOf } from '../lib/message.js'
import { canonicalVerdict, deepFreeze } from '../lib/jcs.js'
import { cidOfBase32Digest } from './cid.js'
import { formatDid, parseDid } from './did.js'
import { withDeferredPointChecks, type DeferredKey } from './keys.js'
import { LIMITS } from './limits.js'
import type { EncodedOperation } from './operation-types.js'
import { fail, fromBase64urlStrict, keyBytes } from './operation-fields.js'
import { resourceSuffix } from './resource-suffix.js'
import { signingInputOfCanonical } from './signing-input.js'
import { checkShape } from './validate-operation.js'

/**
 * Stand-alone checks of one operation's bytes: size, UTF-8, canonical JSON, format, and that `sig`
 * is a valid Ed25519 signature by `key` (a create must be signed by its own update key). Whether
 * `key` is *authorised* depends on the DID's state and is decided by {@link foldOperations}.
 *
 * @throws {InvalidOperationError} whose `reason` names the broken rule.
 * @example
 * ```ts
 * const { operation, cid, did } = decodeOperation(bytesFromLedger)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#operations
 */
export function decodeOperation(bytes: Uint8Array): EncodedOperation {
  return decode(bytes, undefined)
}

/**
 * {@link decodeOperation} without its costly checks: the signature and the curve-point decoding of
 * the keys not known valid yet are returned in `check` instead of run. When the decoding returns and
 * `runDeferredCheck(check)` (src/lib/crypto.ts) is true, `decodeOperation(bytes)` returns the same
 * operation; in every other case `decodeOperation(bytes)` decides (and names the broken rule).
 * @internal for ledger admission
 */
export function decodeOperationDeferred(bytes: Uint8Array): { op: EncodedOperation; check: DeferredCheck; keys: DeferredKey[] } {
  let signed: Omit<DeferredCheck, 'points'> | undefined
  const { result, points } = withDeferredPointChecks(() =>
    decode(bytes, (s) => {
      signed = s
    }),
  )
  return { op: result, check: { ...signed!, points: points.map((p) => p.publicKey) }, keys: points }
}

// One decoder for every call: a non-streaming decode keeps no state between calls.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function decode(bytes: Uint8Array, defer: ((signed: Omit<DeferredCheck, 'points'>) => void) | undefined): EncodedOperation {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('operation bytes must be a Uint8Array')
  if (bytes.length > LIMITS.resourceBytes) {
    fail('oversized', `an operation may be at most ${LIMITS.resourceBytes} bytes, got ${bytes.length}`)
  }
  let text: string
  let value: unknown
  try {
    // ignoreBOM keeps a byte-order mark in the text, so BOM + canonical bytes fail the canonical check.
    text = UTF8.decode(bytes)
    value = JSON.parse(text)
  } catch {
    fail('malformed', 'operation bytes are not UTF-8 JSON')
  }
  const verdict = canonicalVerdict(value, text)
  if (typeof verdict === 'string') fail('malformed', `operation: ${verdict}`)
  if (!verdict) fail('non-canonical', 'operation bytes are not in canonical (JCS) form')
  // Frozen: states and documents share these values, so no caller can alter what a cache serves.
  const operation = deepFreeze(checkShape(value))
  if (operation.type !== 'resource' && bytes.length > LIMITS.operationBytes) {
    fail('oversized', `${operation.type} operations may be at most ${LIMITS.operationBytes} bytes, got ${bytes.length}`)
  }
  const signature = fromBase64urlStrict(operation.sig, 64, 'sig')
  const key = keyBytes(operation.key, 'key')
  const message = signingInputOfCanonical(operation, text, bytes)
  if (defer) defer({ signature, message, publicKey: key })
  else if (!ed25519Verify(signature, message, key)) fail('bad-signature', 'the signature does not verify with key')
  const digest = sha256(bytes)
  // The CID is a fixed prefix and the base32 digest, which is also a create's suffix.
  const digest32 = base32.baseEncode(digest)
  const cid = cidOfBase32Digest(digest32)
  let did: string
  let suffix: string
  if (operation.type === 'create') {
    if (operation.key !== operation.updateKey) fail('unauthorized', 'a create operation must be signed by its update key')
    suffix = digest32
    did = formatDid(operation.network, suffix)
  } else if (operation.type === 'resource') {
    did = operation.did
    suffix = resourceSuffix(did, operation.resourceId)
  } else {
    did = operation.did
    suffix = parseDid(did).suffix
  }
  return { operation, bytes, digest, cid, did, suffix }
}

/**
 * Why decoding failed, as a skip/rejection reason. Any error, not only {@link InvalidOperationError},
 * makes the operation `malformed`: whatever the bytes are, they are refused or skipped, never fatal.
 * @internal shared by ledger admission and the fold.
 */
export function operationFault(err: unknown): { reason: OperationFaultReason; message: string } {
  if (err instanceof InvalidOperationError) return { reason: err.reason, message: err.message }
  return { reason: 'malformed', message: `operation could not be decoded: ${messageOf(err)}` }
}
