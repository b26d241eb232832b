import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Point } from '@noble/ed25519'
import vectors from '../vectors/ed25519.json' with { type: 'json' }
import { ed25519Signer, ed25519Verify, hasNativeBackend, smallOrderEncodings } from '../../src/lib/crypto.js'
import { Ed25519KeyPair, verifyEd25519 } from '../../src/index.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('Ed25519 rule set', () => {
  it('runs with the native backend here (Node), so the comparison below is real', () => {
    expect(hasNativeBackend).toBe(true)
  })

  it.each(vectors.cases)('$name → valid: $valid, identical on both backends', (c) => {
    const args = [hex(c.signature), hex(c.message), hex(c.publicKey)] as const
    expect(ed25519Verify(...args, 'native')).toBe(c.valid)
    expect(ed25519Verify(...args, 'js')).toBe(c.valid)
    expect(verifyEd25519(...args)).toBe(c.valid)
  })

  it('matches the libsodium / dalek verify_strict row on the 12 speccheck cases', () => {
    const speccheck = vectors.cases.filter((c) => c.name.startsWith('speccheck'))
    expect(speccheck).toHaveLength(12)
    // Only case 3 (mixed-order A and R that satisfy the cofactorless equation) is accepted.
    expect(speccheck.map((c) => c.valid)).toEqual(speccheck.map((_, i) => i === 3))
  })

  it('accepts the RFC 8032 TEST 1 signature and reproduces it by signing', () => {
    const rfc = vectors.cases[0]!
    expect(rfc.valid).toBe(true)
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    expect(toHex(Ed25519KeyPair.fromSecretKey(seed).publicKey)).toBe(rfc.publicKey)
    expect(toHex(ed25519Signer(seed, 'native')(new Uint8Array()))).toBe(rfc.signature)
    expect(toHex(ed25519Signer(seed, 'js')(new Uint8Array()))).toBe(rfc.signature)
  })

  it('lists exactly the eight points of order dividing 8', () => {
    expect(new Set(smallOrderEncodings).size).toBe(8)
    for (const enc of smallOrderEncodings) {
      const p = Point.fromBytes(hex(enc), false)
      expect(p.multiply(8n, false).is0()).toBe(true)
    }
  })

  it('backends agree on random keys, messages and single-bit corruptions (differential fuzz)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat({ max: 64 * 8 + 32 * 8 }),
        fc.boolean(),
        (seed, message, bit, corrupt) => {
          const key = Ed25519KeyPair.fromSecretKey(seed)
          const sig = key.signSync(message)
          const pub = Uint8Array.from(key.publicKey)
          const s = Uint8Array.from(sig)
          if (corrupt) {
            if (bit < 512) s[bit >> 3]! ^= 1 << (bit & 7)
            else pub[(bit - 512) >> 3]! ^= 1 << (bit & 7)
          }
          const native = ed25519Verify(s, message, pub, 'native')
          expect(ed25519Verify(s, message, pub, 'js')).toBe(native)
          if (!corrupt) expect(native).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('backends agree on signatures whose S was pushed past L or whose R/A are torsion points', () => {
    const key = Ed25519KeyPair.fromSecretKey(new Uint8Array(32).fill(7))
    const msg = new Uint8Array([1, 2, 3])
    const sig = key.signSync(msg)
    for (const enc of smallOrderEncodings) {
      const withR = Uint8Array.from(sig)
      withR.set(hex(enc), 0)
      expect(ed25519Verify(withR, msg, key.publicKey, 'native')).toBe(false)
      expect(ed25519Verify(withR, msg, key.publicKey, 'js')).toBe(false)
      expect(ed25519Verify(sig, msg, hex(enc), 'native')).toBe(false)
      expect(ed25519Verify(sig, msg, hex(enc), 'js')).toBe(false)
    }
  })

  it('rejects wrong argument types with TypeError', () => {
    expect(() => verifyEd25519('00' as unknown as Uint8Array, new Uint8Array(), new Uint8Array(32))).toThrow(TypeError)
  })
})
