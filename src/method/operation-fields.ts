// Field checks of the operation shape validator (./validate-operation.ts), shared with the decoder
// (./decode-operation.ts); internal to src/method. Every object has an exact key set: unknown fields
// are malformed, so nobody but the signer can make a second valid encoding of an operation.
import { CID } from 'multiformats/cid'
import { InvalidKeyError, InvalidOperationError, type OperationFaultReason } from '../errors.js'
import { fromBase64url, toBase64url } from '../lib/bytes.js'
import { isOperationCid, isOperationCidText } from './cid.js'
import { isFragmentId, parseDid } from './did.js'
import { decodeMultikey } from './keys.js'
import { LIMITS } from './limits.js'

const TYPE_STRING = new RegExp(`^[\\x21-\\x7e]{1,${LIMITS.typeLength}}$`)

export function fail(reason: OperationFaultReason, message: string): never {
  throw new InvalidOperationError(reason, message)
}

export type Obj = Record<string, unknown>

export function object(value: unknown, where: string, required: readonly string[], optional: readonly string[] = []): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('malformed', `${where} must be an object`)
  const obj = value as Obj
  for (const k of required) if (!(k in obj)) fail('malformed', `${where}.${k} is missing`)
  for (const k of Object.keys(obj)) {
    if (!required.includes(k) && !optional.includes(k)) fail('malformed', `${where} has an unknown field "${k.slice(0, 40)}"`)
  }
  return obj
}

export function string(value: unknown, where: string, max: number = LIMITS.uriLength): string {
  if (typeof value !== 'string') fail('malformed', `${where} must be a string`)
  if (value.length === 0 || value.length > max) fail('malformed', `${where} must be 1-${max} characters`)
  return value
}

export function array(value: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail('malformed', `${where} must be an array`)
  if (value.length > max) fail('malformed', `${where} may have at most ${max} entries`)
  return value
}

export function keyBytes(value: unknown, where: string): Uint8Array {
  try {
    return decodeMultikey(string(value, where), 'Ed25519').publicKey
  } catch (err) {
    if (err instanceof InvalidKeyError) fail('malformed', `${where}: ${err.message}`)
    throw err
  }
}

export function fromBase64urlStrict(value: unknown, length: number, where: string): Uint8Array {
  const text = string(value, where)
  const quick = text.length === Math.ceil((length * 4) / 3) ? base64urlExact(text, length) : undefined
  if (quick) return quick
  if (!/^[A-Za-z0-9_-]+$/.test(text)) fail('malformed', `${where} must be unpadded base64url`)
  let bytes: Uint8Array
  try {
    bytes = fromBase64url(text)
  } catch {
    fail('malformed', `${where} is not valid base64url`)
  }
  if (bytes.length !== length || toBase64url(bytes) !== text) fail('malformed', `${where} must encode exactly ${length} bytes`)
  return bytes
}

export function did(value: unknown, where: string): string {
  const text = string(value, where)
  try {
    return parseDid(text).did
  } catch {
    fail('malformed', `${where} must be a did:grid DID`)
  }
}

export function cid(value: unknown, where: string): string {
  const text = string(value, where, 100)
  if (isOperationCidText(text)) return text
  let parsed: CID
  try {
    parsed = CID.parse(text)
  } catch {
    fail('malformed', `${where} must be a CID`)
  }
  if (!isOperationCid(parsed, text)) fail('malformed', `${where} must be a base32 CIDv1 with the json codec and sha2-256`)
  return text
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*$/

export function uri(value: unknown, where: string): string {
  const text = string(value, where)
  if (!URI.test(text)) fail('malformed', `${where} must be an absolute URI`)
  return text
}

export function fragmentId(value: unknown, where: string): string {
  const text = string(value, where, LIMITS.idLength)
  if (!isFragmentId(text)) fail('malformed', `${where} must be 1-${LIMITS.idLength} characters A-Z a-z 0-9 _ -`)
  return text
}

export function typeString(value: unknown, where: string): void {
  if (typeof value !== 'string' || !TYPE_STRING.test(value))
    fail('malformed', `${where} must be 1-${LIMITS.typeLength} printable ASCII characters`)
}

const B64 = new Int8Array(128).fill(-1)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) B64[c.charCodeAt(0)] = i

// The `length` bytes of unpadded base64url `text` (⌈4·length/3⌉ characters) in a fresh array (no
// Buffer pool slab), or undefined when a character is outside the alphabet or the unused low bits
// of the last one are not zero: then fromBase64urlStrict's general path decides and names why.
function base64urlExact(text: string, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length)
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? B64[c]! : -1
    if (v < 0) return undefined
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  return o === length && (acc & ((1 << bits) - 1)) === 0 ? out : undefined
}
