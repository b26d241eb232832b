/**
 * The one module with platform speed-ups. Everything here has a pure-JS path (@noble) and, where the
 * runtime is Node, a native path (node:crypto / OpenSSL) that gives byte-identical results.
 *
 * Ed25519 rule set (spec §Signatures): RFC 8032 §5.1.7 with these explicit choices, the same as
 * libsodium's `crypto_sign_verify_detached` and ed25519-dalek's `verify_strict`:
 *  1. signature is 64 bytes, public key 32 bytes;
 *  2. S is canonical: S < L;
 *  3. A is a canonical encoding (y < p; not x = 0 with the sign bit set) of a curve point;
 *  4. A and R are not of small order (not one of the eight torsion points);
 *  5. the cofactorless equation [S]B = R + [k]A holds, checked by comparing the canonical encoding
 *     of [S]B − [k]A with the 32 bytes of R (so a non-canonical R never verifies).
 * Rules 1–4 are checked here before either backend runs; OpenSSL and the JS path below both apply
 * rule 5 exactly, which is why they agree on every input (tested with vectors and fuzzing).
 */
import { Point, etc, hashes as edHashes, getPublicKey, sign as nobleSign } from '@noble/ed25519'
import { hmac as nobleHmac } from '@noble/hashes/hmac.js'
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js'
import type * as NodeCrypto from 'node:crypto'
import { ed25519Kernel } from './ed25519-kernel.js'

/**
 * @noble/ed25519's synchronous API takes its SHA-512 from the library's `hashes` object. It is set
 * here, at the first use inside our own functions, never at import: the package declares
 * `"sideEffects": false`, so importing this module must change nothing. A SHA-512 already set is
 * kept (every correct SHA-512 gives the same bytes).
 */
function nobleSync(): void {
  if (edHashes.sha512 === undefined) {
    edHashes.sha512 = (message) => nobleSha512(message) as ReturnType<NonNullable<typeof edHashes.sha512>>
  }
}

type Backend = 'native' | 'js'

// process.getBuiltinModule keeps this file free of a static `node:crypto` import, so the core still
// loads in browsers and other runtimes (they take the @noble path).
const nodeCrypto: typeof NodeCrypto | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    const mod = proc?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined
    return typeof mod?.verify === 'function' && typeof mod.hash === 'function' ? mod : undefined
  } catch {
    return undefined
  }
})()

/** Which backend the default functions use: `native` when node:crypto is present. */
export const defaultBackend: Backend = nodeCrypto ? 'native' : 'js'

export function sha256(data: Uint8Array): Uint8Array {
  if (nodeCrypto) {
    const out = nodeCrypto.hash('sha256', data, 'buffer')
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  }
  return nobleSha256(data)
}

/** HMAC-SHA256 (RFC 2104) of `data` under `key`. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (nodeCrypto) {
    const out = nodeCrypto.createHmac('sha256', key).update(data).digest()
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  }
  return nobleHmac(nobleSha256, key, data)
}

/** Whether two byte strings are equal, in time that depends only on their lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

// ---------------------------------------------------------------------------------------------
// Ed25519 constants
const L = 2n ** 252n + 27742317777372353535851937790883648493n

/** Canonical encodings of the eight small-order points (the torsion subgroup E[8]). */
const SMALL_ORDER_HEX = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
]

/** @internal exported for tests. */
export const smallOrderEncodings: readonly string[] = SMALL_ORDER_HEX

function leToBigint(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

/**
 * y < p and not (x = 0 with sign bit set): the encodings of y = 1 and y = p − 1 with sign 1.
 * On the bytes (p = 2^255 − 19 is ed ff … ff 7f little-endian), without building a BigInt.
 */
function isCanonicalEncoding(enc: Uint8Array): boolean {
  const top = enc[31]! & 0x7f
  const sign = (enc[31]! & 0x80) !== 0
  if (top === 0x7f) {
    for (let i = 1; i < 31; i++) if (enc[i] !== 0xff) return true
    // y ≥ p − 19 + … : y ≥ p when the low byte is ≥ 0xed; y = p − 1 when it is 0xec.
    if (enc[0]! >= 0xed) return false
    return !(sign && enc[0] === 0xec)
  }
  if (top === 0 && sign && enc[0] === 1) {
    for (let i = 1; i < 31; i++) if (enc[i] !== 0) return true
    return false
  }
  return true
}

/** Whether the 32-byte little-endian S is below L, compared byte by byte from the top. */
function belowL(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i] !== L_BYTES[i]) return s[i]! < L_BYTES[i]!
  }
  return false
}
const L_BYTES = Uint8Array.from({ length: 32 }, (_, i) => Number((L >> BigInt(8 * i)) & 0xffn))

const SMALL_ORDER_BYTES = SMALL_ORDER_HEX.map((h) =>
  Uint8Array.from({ length: 32 }, (_, i) => Number.parseInt(h.slice(2 * i, 2 * i + 2), 16)),
)

/** Whether 32 bytes are one of the eight small-order encodings (no hex string built). */
function isSmallOrder(enc: Uint8Array): boolean {
  outer: for (const small of SMALL_ORDER_BYTES) {
    if (enc[0] !== small[0] || enc[31] !== small[31]) continue
    for (let i = 1; i < 31; i++) if (enc[i] !== small[i]) continue outer
    return true
  }
  return false
}

function hex(bytes: Uint8Array): string {
  return etc.bytesToHex(bytes)
}

/** Rules 1–4. Returns false when the input can never verify under the rule set. */
function precheck(signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false
  if (!belowL(signature.subarray(32))) return false
  if (!isCanonicalEncoding(publicKey)) return false
  if (isSmallOrder(publicKey)) return false
  if (isSmallOrder(signature.subarray(0, 32))) return false
  return true
}

function verifyJsEquation(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  let A: Point
  try {
    A = Point.fromBytes(publicKey, false)
  } catch {
    return false
  }
  const r = signature.subarray(0, 32)
  const s = leToBigint(signature.subarray(32))
  const k = etc.mod(leToBigint(nobleSha512(etc.concatBytes(r, publicKey, message))), L)
  const sB = s === 0n ? Point.ZERO : Point.BASE.multiply(s, false)
  const kA = k === 0n ? Point.ZERO : A.multiply(k, false)
  const rCheck = sB.subtract(kA).toBytes()
  return etc.bytesToHex(rCheck) === hex(r)
}

// DER prefix wrapping a raw 32-byte Ed25519 seed for OpenSSL (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

// Rule 5 on OpenSSL and the point decoding without a square root (see ./ed25519-kernel.ts).
const kernel = ed25519Kernel(nodeCrypto)

/**
 * Verifies an Ed25519 signature under the did:grid rule set (see the file comment).
 * Never throws for malformed input: it returns false.
 */
export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  backend: Backend = defaultBackend,
): boolean {
  if (!precheck(signature, publicKey)) return false
  if (backend === 'native') {
    if (!kernel.verify) throw new Error('the native Ed25519 backend needs node:crypto')
    return kernel.verify(signature, message, publicKey)
  }
  return verifyJsEquation(signature, message, publicKey)
}

/** Whether the native backend is present in this runtime. */
export const hasNativeBackend = nodeCrypto !== undefined

/**
 * A signing function for a 32-byte seed. Ed25519 signing is deterministic, so both backends produce
 * the same bytes. The native key object is built once here, not per signature.
 */
export function ed25519Signer(seed: Uint8Array, backend: Backend = defaultBackend): (message: Uint8Array) => Uint8Array {
  if (backend === 'native' && nodeCrypto) {
    const crypto = nodeCrypto
    const key = crypto.createPrivateKey({ key: Buffer.from(etc.concatBytes(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' })
    return (message) => {
      const sig = crypto.sign(null, message, key)
      return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength)
    }
  }
  const copy = Uint8Array.from(seed)
  nobleSync()
  return (message) => nobleSign(message, copy)
}

/** Ed25519 public key from a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  nobleSync()
  return getPublicKey(seed)
}

/** Strict public-key validation: canonical encoding of a curve point of large order. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return isWellFormedEd25519PublicKey(publicKey) && kernel.decodes(publicKey)
}

/**
 * The cheap part of {@link isValidEd25519PublicKey}: 32 bytes, a canonical encoding, not one of the
 * eight small-order points. What is left is whether the encoding decodes to a curve point.
 * @internal
 */
export function isWellFormedEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && isCanonicalEncoding(publicKey) && !isSmallOrder(publicKey)
}

/**
 * A signature to verify and the keys it must also prove to be valid: the checks an operation's
 * decoding can leave for later (src/method/decode-operation.ts), so they can run in bulk or on
 * other threads.
 * @internal
 */
export interface DeferredCheck {
  signature: Uint8Array
  message: Uint8Array
  publicKey: Uint8Array
  /** Keys that must pass {@link isValidEd25519PublicKey}. */
  points: readonly Uint8Array[]
}

/**
 * The costly remainder of a {@link DeferredCheck} once its cheap rules (1–4, and the well-formedness
 * of every point) hold: the equation, and the decoding of every point other than the signing key.
 * A successful verify proves the signing key decodes (OpenSSL and the JS path both decode A first),
 * so that key needs no square root of its own. Returns undefined when a cheap rule fails.
 * @internal
 */
export function costlyPart(check: DeferredCheck): { verify: [Uint8Array, Uint8Array, Uint8Array]; decode: Uint8Array[] } | undefined {
  const { signature, message, publicKey, points } = check
  if (!precheck(signature, publicKey)) return undefined
  const decode: Uint8Array[] = []
  for (const point of points) {
    if (!isWellFormedEd25519PublicKey(point)) return undefined
    if (!equalBytes(point, publicKey)) decode.push(point)
  }
  return { verify: [signature, message, publicKey], decode }
}

/**
 * Runs a {@link DeferredCheck} here: true iff `ed25519Verify(signature, message, publicKey)` and
 * every point is a valid key.
 * @internal
 */
export function runDeferredCheck(check: DeferredCheck): boolean {
  const part = costlyPart(check)
  if (!part) return false
  const [signature, message, publicKey] = part.verify
  const verified = kernel.verify ? kernel.verify(signature, message, publicKey) : verifyJsEquation(signature, message, publicKey)
  return verified && part.decode.every((point) => kernel.decodes(point))
}

/** 32 random bytes from the platform CSPRNG. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  globalThis.crypto.getRandomValues(out)
  return out
}
