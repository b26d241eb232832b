import { describe, expect, it } from 'vitest'
import { hashes } from '@noble/ed25519'
import { randomBytes } from 'node:crypto'
import {
  costlyPart,
  ed25519PublicKey,
  ed25519Signer,
  ed25519Verify,
  isWellFormedEd25519PublicKey,
  smallOrderEncodings,
} from '../../src/lib/crypto.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// RFC 8032 §7.1 TEST 1.
const SEED = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'

describe('lib/crypto', () => {
  it('changes nothing of @noble/ed25519 at import ("sideEffects": false), and configures it at first use', () => {
    // Vitest isolates modules per test file: this file is the first to import both here.
    expect(hashes.sha512).toBeUndefined()
    const publicKey = ed25519PublicKey(SEED)
    expect(toHex(publicKey)).toBe(PUBLIC)
    expect(hashes.sha512).toBeTypeOf('function')
    const message = new Uint8Array([1, 2, 3])
    const signature = ed25519Signer(SEED, 'js')(message)
    expect(ed25519Verify(signature, message, publicKey, 'js')).toBe(true)
    expect(toHex(signature)).toBe(toHex(ed25519Signer(SEED, 'native')(message)))
  })
})

// The rules 1-4 as first written, on BigInts and hex strings: the byte-wise checks must agree.
const P = 2n ** 255n - 19n
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const le = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`)
const canonicalRef = (enc: Uint8Array) => {
  const y = le(enc) & ((1n << 255n) - 1n)
  return !(y >= P || ((enc[31]! & 0x80) !== 0 && (y === 1n || y === P - 1n)))
}
const smallRef = (enc: Uint8Array) => smallOrderEncodings.includes(toHex(enc))
const wellFormedRef = (key: Uint8Array) => key.length === 32 && canonicalRef(key) && !smallRef(key)
const prechecksRef = (sig: Uint8Array, key: Uint8Array) =>
  sig.length === 64 &&
  key.length === 32 &&
  le(sig.subarray(32)) < L &&
  canonicalRef(key) &&
  !smallRef(key) &&
  !smallRef(sig.subarray(0, 32))

// Random encodings crowded around the edges: y near p and p − 1, y = 1 and 0, both sign bits, the
// small-order points and their one-bit neighbours, S near L.
function edge(): Uint8Array {
  const b = new Uint8Array(randomBytes(32))
  const r = Math.random()
  if (r < 0.3) {
    b.fill(0xff, 1, 31)
    b[31] = (b[31]! & 0x80) | 0x7f
    b[0] = 0xe0 + Math.floor(Math.random() * 32)
    if (Math.random() < 0.2) b[1 + Math.floor(Math.random() * 30)] = 0xfe
  } else if (r < 0.5) {
    b.fill(0, 1, 31)
    b[31]! &= 0x80
    b[0] = Math.floor(Math.random() * 4)
    if (Math.random() < 0.2) b[1 + Math.floor(Math.random() * 30)] = 1
  } else if (r < 0.65) {
    b.set(hex(smallOrderEncodings[Math.floor(Math.random() * 8)]!))
    if (Math.random() < 0.5) b[Math.floor(Math.random() * 32)]! ^= 1 << Math.floor(Math.random() * 8)
  }
  return b
}

describe('lib/crypto: the byte-wise rules 1-4 agree with the BigInt ones (differential)', () => {
  it('well-formed keys and the prechecks of costlyPart, on random and edge encodings', () => {
    const L_BYTES = hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')
    let refused = 0
    for (let i = 0; i < 40_000; i++) {
      const key = edge()
      expect(isWellFormedEd25519PublicKey(key)).toBe(wellFormedRef(key))
      const sig = new Uint8Array(64)
      sig.set(edge())
      sig.set(Math.random() < 0.3 ? L_BYTES : edge(), 32)
      if (Math.random() < 0.5) sig[32 + Math.floor(Math.random() * 32)]! += Math.random() < 0.5 ? 1 : -1
      const expected = prechecksRef(sig, key)
      if (!expected) refused++
      expect(costlyPart({ signature: sig, message: key, publicKey: key, points: [] }) !== undefined).toBe(expected)
    }
    expect(refused).toBeGreaterThan(5000)
    expect(refused).toBeLessThan(39_000)
  })
})
