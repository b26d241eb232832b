import type * as NodeCrypto from 'node:crypto'

/** What {@link ed25519Kernel} returns. */
export interface Ed25519Kernel {
  /**
   * Whether the 32-byte encoding `enc`, whose y (sign bit cleared) is below p, decodes to a curve
   * point: (y² − 1)/(d·y² + 1) is a square or zero. Pure BigInt; no square root is taken.
   */
  decodes(enc: Uint8Array): boolean
  /**
   * The cofactorless equation checked by OpenSSL (rule 5 of src/lib/crypto.ts), or undefined without
   * node:crypto. The caller has checked rules 1–4. Never throws.
   */
  verify: ((signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean) | undefined
}

/**
 * The two costly Ed25519 steps, in ONE self-contained function: it refers to nothing outside its
 * own body (node:crypto comes in as an argument), so the verification worker threads run the very
 * same code from its source text (`ed25519Kernel.toString()`, see src/ledger/sqlite/verify-pool.ts).
 * Keep it that way: no imports used inside, no helpers defined outside.
 * @internal
 */
export function ed25519Kernel(crypto: typeof NodeCrypto | undefined): Ed25519Kernel {
  const P = (1n << 255n) - 19n
  const MASK = (1n << 255n) - 1n
  // d = −121665/121666 mod p
  const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n
  // x mod p for 0 ≤ x < 2^512, using 2^255 ≡ 19 (two folds leave x < 2^255 + 608).
  const red = (x: bigint): bigint => {
    let r = (x & MASK) + 19n * (x >> 255n)
    r = (r & MASK) + 19n * (r >> 255n)
    return r >= P ? r - P : r
  }
  // The Jacobi symbol (a/p) by the Euclid-like algorithm (quadratic reciprocity): ~150 BigInt
  // remainders, three to four times faster than Euler's criterion's 254 squarings.
  const jacobi = (value: bigint): number => {
    let a = value
    let n = P
    let t = 1
    while (a !== 0n) {
      let twos = 0
      while ((a & 0xffffffffn) === 0n) {
        a >>= 32n
        twos += 32
      }
      const low = Number(a & 0xffffffffn)
      const tz = 31 - Math.clz32(low & -low)
      if (tz > 0) {
        a >>= BigInt(tz)
        twos += tz
      }
      const n8 = Number(n & 7n)
      if ((twos & 1) === 1 && (n8 === 3 || n8 === 5)) t = -t
      if ((a & 3n) === 3n && (n8 & 3) === 3) t = -t
      const r = n % a
      n = a
      a = r
    }
    return n === 1n ? t : 0
  }
  const decodes = (enc: Uint8Array): boolean => {
    let y = 0n
    for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(enc[i]!)
    y &= MASK
    const y2 = red(y * y)
    const u = y2 === 0n ? P - 1n : y2 - 1n
    if (u === 0n) return true // x = 0
    const v = red(D * y2 + 1n) // never 0: −1/d is not a square
    // u/v is a square iff u·v is (both non-zero).
    return jacobi(red(u * v)) === 1
  }
  if (!crypto) return { decodes, verify: undefined }
  // A KeyObject per key, built from the raw key (the JWK path: no DER decoder lookup, a third of
  // the cost of importing SPKI), remembered for the keys seen most recently.
  const KEY_CACHE_MAX = 4096
  const keys = new Map<string, NodeCrypto.KeyObject | null>()
  const keyObject = (publicKey: Uint8Array): NodeCrypto.KeyObject | null => {
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url')
    let key = keys.get(x)
    if (key === undefined) {
      try {
        key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
      } catch {
        key = null
      }
      if (keys.size >= KEY_CACHE_MAX) keys.delete(keys.keys().next().value!)
      keys.set(x, key)
    }
    return key
  }
  const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean => {
    const key = keyObject(publicKey)
    if (!key) return false
    try {
      return crypto.verify(null, message, key, signature)
    } catch {
      return false
    }
  }
  return { decodes, verify }
}
