import type { Checkpoint } from '../ledger/types.js'
import { toHex, utf8Encode } from '../lib/bytes.js'
import { sha256 } from '../lib/crypto.js'
import type { GridDid } from '../method/did.js'
import type { DidState } from '../method/state.js'

/** Format of the serialised fold state; a checkpoint in any other format is ignored. */
const FORMAT = 1

interface Body {
  v: typeof FORMAT
  did: string
  height: number
  operations: number
  state: DidState | null
}

/**
 * Serialises a fold state: the SHA-256 of the JSON body (hex), a dot, the body. The digest does not
 * make the checkpoint trustworthy (whoever can write the file can recompute it), it makes damage of
 * any kind (a torn write, an edited row, a bug) read as "no checkpoint" instead of as a wrong state.
 * @internal
 */
export function encodeCheckpoint(did: GridDid, height: number, operations: number, state: DidState | undefined): Checkpoint {
  const body: Body = { v: FORMAT, did: did.did, height, operations, state: state ?? null }
  const json = JSON.stringify(body)
  return { suffix: did.suffix, height, operations, state: `${toHex(sha256(utf8Encode(json)))}.${json}` }
}

/**
 * The state a checkpoint holds, or `null` when it cannot be used: another format, a digest that does
 * not match, or a body that does not describe this DID at this height in the shape of a `DidState`.
 * Never throws.
 * @internal
 */
export function decodeCheckpoint(checkpoint: Checkpoint, did: GridDid): { state: DidState | undefined } | null {
  try {
    const text = checkpoint.state
    if (typeof text !== 'string' || text[64] !== '.') return null
    const json = text.slice(65)
    if (toHex(sha256(utf8Encode(json))) !== text.slice(0, 64)) return null
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
    s.services.every((sv) => isObject(sv) && isString(sv.id) && (isString(sv.type) || isStrings(sv.type)) && sv.serviceEndpoint !== undefined)
  )
}
