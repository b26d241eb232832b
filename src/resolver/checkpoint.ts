import type { Checkpoint, Ledger } from '../ledger/types.js'
import { toHex, utf8Encode } from '../lib/bytes.js'
import { equalBytes, hmacSha256 } from '../lib/crypto.js'
import type { GridDid } from '../method/did.js'
import type { DidState } from '../method/state.js'

/**
 * Format of the serialised fold state; a checkpoint in any other format is ignored. Format 1 (an
 * unkeyed SHA-256, which anyone able to write the file could recompute) is no longer read.
 */
const FORMAT = 2

/** Shortest checkpoint secret accepted: the HMAC-SHA256 block of security the tag offers. */
export const CHECKPOINT_SECRET_MIN = 32

interface Body {
  v: typeof FORMAT
  did: string
  height: number
  operations: number
  state: DidState | null
}

/**
 * Serialises a fold state: the HMAC-SHA256 under the resolver's `secret` of the JSON body (hex), a
 * dot, the body. The body names the DID, the height, the operation count and the state, so the tag
 * covers all four. Only a holder of `secret` (kept outside the ledger file) can make a checkpoint the
 * resolver accepts: whoever can write the store can delete or damage checkpoints, never forge one
 * (spec §Checkpoints).
 * @internal
 */
export function encodeCheckpoint(
  secret: Uint8Array,
  did: GridDid,
  height: number,
  operations: number,
  state: DidState | undefined,
): Checkpoint {
  const body: Body = { v: FORMAT, did: did.did, height, operations, state: state ?? null }
  const json = JSON.stringify(body)
  return { suffix: did.suffix, height, operations, state: `${toHex(hmacSha256(secret, utf8Encode(json)))}.${json}` }
}

/**
 * The state a checkpoint holds, or `null` when it cannot be used: another format, a tag that is not
 * this `secret`'s, or a body that does not describe this DID at this height in the shape of a
 * `DidState`. Never throws.
 * @internal
 */
export function decodeCheckpoint(secret: Uint8Array, checkpoint: Checkpoint, did: GridDid): { state: DidState | undefined } | null {
  try {
    const text = checkpoint.state
    if (typeof text !== 'string' || text[64] !== '.') return null
    const json = text.slice(65)
    if (!equalBytes(utf8Encode(toHex(hmacSha256(secret, utf8Encode(json)))), utf8Encode(text.slice(0, 64)))) return null
    const body = JSON.parse(json) as Body
    if (typeof body !== 'object' || body === null || body.v !== FORMAT || body.did !== did.did) return null
    if (body.height !== checkpoint.height || body.operations !== checkpoint.operations) return null
    if (body.state === null) return { state: undefined }
    return isState(body.state, did) ? { state: body.state } : null
  } catch {
    return null
  }
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every(isString)
const isCount = (v: unknown, min: number): boolean => Number.isSafeInteger(v) && (v as number) >= min
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The shape the document renderer and the next fold step rely on. */
function isState(s: unknown, did: GridDid): s is DidState {
  if (!isObject(s)) return false
  return (
    s.did === did.did &&
    s.network === did.network &&
    s.suffix === did.suffix &&
    [s.updateKey, s.recoveryKey, s.head, s.recoveryHead].every(isString) &&
    typeof s.deactivated === 'boolean' &&
    isCount(s.versionId, 1) &&
    isCount(s.created, 0) &&
    (s.updated === undefined || isCount(s.updated, 0)) &&
    isStrings(s.controller) &&
    isStrings(s.alsoKnownAs) &&
    Array.isArray(s.verificationMethods) &&
    s.verificationMethods.every(
      (vm) => isObject(vm) && isString(vm.id) && vm.type === 'Multikey' && isString(vm.publicKeyMultibase) && isStrings(vm.purposes),
    ) &&
    Array.isArray(s.services) &&
    s.services.every(
      (sv) => isObject(sv) && isString(sv.id) && (isString(sv.type) || isStrings(sv.type)) && sv.serviceEndpoint !== undefined,
    )
  )
}

/**
 * The newest checkpoint of `did` at or below `target` that this resolver can use (spec
 * §Checkpoints), or undefined: none, unreadable, or not one this `secret` made of the log the store
 * shows now. Never throws: checkpoints only save time.
 * @internal
 */
export async function usableCheckpoint(
  ledger: Ledger,
  secret: Uint8Array,
  did: GridDid,
  target: number,
): Promise<{ height: number; operations: number; state: DidState | undefined } | undefined> {
  // A ledger that cannot count a key's operations cannot show that a checkpoint still describes its log.
  if (!ledger.readCheckpoint || !ledger.countOperations) return undefined
  let found: Checkpoint | undefined
  try {
    found = await ledger.readCheckpoint(did.suffix, target)
  } catch {
    // Checkpoints only save time: the full fold answers, and a real outage shows in its read.
    return undefined
  }
  // Whatever can be checked is: a checkpoint of another key or DID, above the head, in another
  // format, not tagged under this resolver's secret or damaged in any way is no checkpoint.
  if (!found || found.suffix !== did.suffix || !Number.isSafeInteger(found.height) || found.height < 0 || found.height > target)
    return undefined
  if (!Number.isSafeInteger(found.operations) || found.operations < 0) return undefined
  const decoded = decodeCheckpoint(secret, found, did)
  if (!decoded) return undefined
  // The checkpoint is this resolver's fold of the log as the store showed it then. A store that hid
  // an operation at that time and shows it now (a writer who censored, then restored) has a log the
  // checkpoint does not describe: it is no checkpoint (spec §Checkpoints).
  try {
    if ((await ledger.countOperations(did.suffix, found.height)) !== found.operations) return undefined
  } catch {
    return undefined
  }
  return { height: found.height, operations: found.operations, state: decoded.state }
}
