import { base58btc } from 'multiformats/bases/base58'
import { InvalidKeyError } from '../errors.js'
import { base58Decode } from '../lib/base58.js'
import { ed25519PublicKey, ed25519Signer, isValidEd25519PublicKey, isWellFormedEd25519PublicKey, randomBytes } from '../lib/crypto.js'

/** Multicodec varint prefixes (multicodec table: ed25519-pub 0xed, x25519-pub 0xec). */
const ED25519_PREFIX = [0xed, 0x01] as const
const X25519_PREFIX = [0xec, 0x01] as const
const MULTIKEY_LENGTH = 48

/** Key types a `Multikey` in a did:grid document may hold. */
export type MultikeyType = 'Ed25519' | 'X25519'

/**
 * Signs operation bytes with one Ed25519 key. APIs take a signer, never a raw private key.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#signatures
 */
export interface OperationSigner {
  /** The signer's public key as a `z6Mk…` Multikey. */
  readonly publicKeyMultibase: string
  /** Returns the 64-byte Ed25519 signature of `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>
}

/**
 * Encodes a raw public key as a Multikey `publicKeyMultibase` (base58btc, multicodec-prefixed):
 * `z6Mk…` for Ed25519, `z6LS…` for X25519.
 * @throws {InvalidKeyError} when the key is not 32 bytes or not a valid Ed25519 point.
 * @example `encodeMultikey(publicKey) // 'z6Mk…'`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#keys
 */
export function encodeMultikey(publicKey: Uint8Array, type: MultikeyType = 'Ed25519'): string {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
  if (publicKey.length !== 32) throw new InvalidKeyError(`a ${type} public key is 32 bytes, got ${publicKey.length}`)
  if (type === 'Ed25519' && !isValidEd25519PublicKey(publicKey)) {
    throw new InvalidKeyError('not a valid Ed25519 public key (non-canonical encoding, not on the curve, or small order)')
  }
  const prefix = type === 'Ed25519' ? ED25519_PREFIX : X25519_PREFIX
  const bytes = new Uint8Array(34)
  bytes.set(prefix)
  bytes.set(publicKey, 2)
  return base58btc.encode(bytes)
}

/**
 * Decodes a Multikey `publicKeyMultibase`. Ed25519 keys must be canonical points of large order.
 * @throws {InvalidKeyError} for a wrong multibase prefix, unknown multicodec, wrong length or bad point.
 * @example `decodeMultikey('z6Mk…') // { type: 'Ed25519', publicKey: Uint8Array(32) }`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#keys
 */
export function decodeMultikey(multibase: string, expected?: MultikeyType): { type: MultikeyType; publicKey: Uint8Array } {
  if (typeof multibase !== 'string') throw new TypeError('publicKeyMultibase must be a string')
  // A key met earlier in the same deferred decoding (a create's `key` is its `updateKey`).
  const known = knownKey(multibase) ?? deferredPoints?.find((k) => k.multibase === multibase)
  if (known) {
    if (expected && known.type !== expected) throw new InvalidKeyError(`expected an ${expected} key, got an ${known.type} key`)
    return { type: known.type, publicKey: known.publicKey.slice() }
  }
  if (!multibase.startsWith('z')) throw new InvalidKeyError('publicKeyMultibase must be base58btc (start with "z")')
  // 34 bytes starting 0xed or 0xec always encode to 47 base58 digits: check before the (quadratic)
  // base58 decoding, so a huge string costs nothing.
  if (multibase.length !== MULTIKEY_LENGTH) {
    throw new InvalidKeyError(`an Ed25519 or X25519 Multikey is ${MULTIKEY_LENGTH} characters, got ${multibase.length}`)
  }
  let bytes = base58Decode(multibase.slice(1))
  // Decoding gives the leading '1's as zero bytes and the rest as a minimal number, so re-encoding
  // what it returns always gives the string back: only base-x's garbage path needs the check below.
  const roundTrips = bytes !== null
  if (bytes === null) {
    // A character above U+00FF, which base-x reads as a NaN digit: its answer, exactly as before.
    try {
      bytes = base58btc.decode(multibase)
    } catch (cause) {
      throw new InvalidKeyError('publicKeyMultibase is not valid base58btc', { cause })
    }
  }
  if (!bytes) {
    throw new InvalidKeyError('publicKeyMultibase is not valid base58btc', { cause: new Error('Non-base58btc character') })
  }
  let type: MultikeyType
  if (bytes[0] === ED25519_PREFIX[0] && bytes[1] === ED25519_PREFIX[1]) type = 'Ed25519'
  else if (bytes[0] === X25519_PREFIX[0] && bytes[1] === X25519_PREFIX[1]) type = 'X25519'
  else throw new InvalidKeyError('publicKeyMultibase has an unsupported multicodec (expected ed25519-pub or x25519-pub)')
  if (expected && type !== expected) throw new InvalidKeyError(`expected an ${expected} key, got an ${type} key`)
  // 48 characters with an 0xed01/0xec01 prefix always decode to exactly 34 bytes (2 + 32).
  const publicKey = bytes.slice(2)
  const deferred = type === 'Ed25519' ? deferredPoints : undefined
  if (type === 'Ed25519' && !(deferred ? isWellFormedEd25519PublicKey(publicKey) : isValidEd25519PublicKey(publicKey))) {
    throw new InvalidKeyError('not a valid Ed25519 public key (non-canonical encoding, not on the curve, or small order)')
  }
  // Canonical multibase: re-encoding must give the same string (no leading-zero or alias forms).
  if (!roundTrips && base58btc.encode(bytes) !== multibase) throw new InvalidKeyError('publicKeyMultibase is not in canonical form')
  if (deferred) deferred.push({ multibase, type: 'Ed25519', publicKey: publicKey.slice() })
  else remember(multibase, type, publicKey)
  return { type, publicKey }
}

/** An Ed25519 key whose point decoding was left for later. @internal */
export interface DeferredKey {
  multibase: string
  type: 'Ed25519'
  publicKey: Uint8Array
}

let deferredPoints: DeferredKey[] | undefined

/**
 * Runs `fn` with the curve-point check of every Ed25519 key it decodes (and that is not known
 * valid already) left to the caller: such keys pass {@link decodeMultikey} when well formed
 * (canonical, not of small order) and are listed in `points`, not remembered. The caller proves
 * them (src/lib/crypto.ts `runDeferredCheck`) or redoes the work without deferral.
 * @internal for ledger admission
 */
export function withDeferredPointChecks<T>(fn: () => T): { result: T; points: DeferredKey[] } {
  const outer = deferredPoints
  const points: DeferredKey[] = []
  deferredPoints = points
  try {
    return { result: fn(), points }
  } finally {
    deferredPoints = outer
  }
}

/** Remembers keys proven valid, so decoding them again costs a map look-up. @internal */
export function rememberValidKeys(keys: readonly DeferredKey[]): void {
  for (const { multibase, type, publicKey } of keys) remember(multibase, type, publicKey)
}

function remember(multibase: string, type: MultikeyType, publicKey: Uint8Array): void {
  if (validKeys.has(multibase)) return
  // Two generations instead of evicting the oldest entry one by one: deleting from the front of a
  // Map leaves holes that every later `keys().next()` walks over (microseconds per key at 10,000).
  if (validKeys.size >= VALID_KEYS_MAX / 2) {
    olderKeys = validKeys
    validKeys = new Map()
  }
  validKeys.set(multibase, { type, publicKey: publicKey.slice() })
}

function knownKey(multibase: string): { type: MultikeyType; publicKey: Uint8Array } | undefined {
  return validKeys.get(multibase) ?? olderKeys.get(multibase)
}

// Decoding validates the point (an exponentiation in pure JS, tens of µs). Results are a pure
// function of the string, so valid keys are remembered: an update key signs many operations.
const VALID_KEYS_MAX = 10_000
let validKeys = new Map<string, { type: MultikeyType; publicKey: Uint8Array }>()
let olderKeys = new Map<string, { type: MultikeyType; publicKey: Uint8Array }>()

/**
 * An Ed25519 key pair. The secret key lives in a private field: it is not enumerable, not shown
 * by `console.log` or `JSON.stringify`, and leaves only through {@link Ed25519KeyPair.exportSecretKey}.
 *
 * @example
 * ```ts
 * const key = Ed25519KeyPair.generate()
 * key.publicKeyMultibase // 'z6Mk…'
 * const sig = await key.sign(bytes)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#keys
 */
export class Ed25519KeyPair implements OperationSigner {
  readonly #seed: Uint8Array
  readonly #sign: (message: Uint8Array) => Uint8Array
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array
  /** `z6Mk…` Multikey form of the public key. */
  readonly publicKeyMultibase: string

  private constructor(seed: Uint8Array) {
    this.#seed = Uint8Array.from(seed)
    this.#sign = ed25519Signer(this.#seed)
    this.publicKey = ed25519PublicKey(this.#seed)
    this.publicKeyMultibase = encodeMultikey(this.publicKey)
  }

  /** A new key pair from the platform CSPRNG. */
  static generate(): Ed25519KeyPair {
    return new Ed25519KeyPair(randomBytes(32))
  }

  /**
   * The key pair of a 32-byte Ed25519 secret key (RFC 8032 seed).
   * @throws {TypeError} when `secretKey` is not a Uint8Array; {@link RangeError} when not 32 bytes.
   */
  static fromSecretKey(secretKey: Uint8Array): Ed25519KeyPair {
    if (!(secretKey instanceof Uint8Array)) throw new TypeError('secretKey must be a Uint8Array')
    if (secretKey.length !== 32) throw new RangeError(`secretKey must be 32 bytes, got ${secretKey.length}`)
    return new Ed25519KeyPair(secretKey)
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    return this.#sign(data)
  }

  /** Synchronous signing, for hot paths such as bulk issuance. */
  signSync(data: Uint8Array): Uint8Array {
    return this.#sign(data)
  }

  /** A copy of the 32-byte secret key, for an encrypted keystore. Never log it. */
  exportSecretKey(): Uint8Array {
    return Uint8Array.from(this.#seed)
  }

  toJSON(): { publicKeyMultibase: string } {
    return { publicKeyMultibase: this.publicKeyMultibase }
  }
}
