import * as nodeCrypto from 'node:crypto'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Point } from '@noble/ed25519'
import vectors from '../vectors/ed25519.json' with { type: 'json' }
import { ed25519Kernel } from '../../src/lib/ed25519-kernel.js'
import { ed25519Verify, smallOrderEncodings } from '../../src/lib/crypto.js'
import { Ed25519KeyPair } from '../../src/index.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const P = 2n ** 255n - 19n
const kernel = ed25519Kernel(nodeCrypto)

/** What @noble/ed25519's strict decoding says of an encoding whose y is below p. */
function nobleDecodes(enc: Uint8Array): boolean {
  try {
    Point.fromBytes(enc, false)
    return true
  } catch {
    return false
  }
}

/** y (sign bit cleared) below p: the encodings the kernel is asked about. */
function yBelowP(enc: Uint8Array): boolean {
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(enc[i]!)
  return (y & ((1n << 255n) - 1n)) < P
}

describe('lib/ed25519-kernel', () => {
  it('decodes exactly the encodings @noble/ed25519 decodes (random bytes, keys, torsion points, y = 0, ±1)', () => {
    const special = [
      ...smallOrderEncodings.map(hex),
      new Uint8Array(32),
      Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)),
      Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xec : i === 31 ? 0x7f : 0xff)), // y = p − 1
      Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xeb : i === 31 ? 0x7f : 0xff)), // y = p − 2
    ]
    for (const enc of special) expect(kernel.decodes(enc)).toBe(nobleDecodes(enc))
    let off = 0
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (bytes, fromKey) => {
        const enc = fromKey ? Ed25519KeyPair.fromSecretKey(bytes).publicKey : bytes
        fc.pre(yBelowP(enc))
        const expected = nobleDecodes(enc)
        if (!expected) off++
        expect(kernel.decodes(enc)).toBe(expected)
        if (fromKey) expect(expected).toBe(true)
      }),
      { numRuns: 400 },
    )
    // About half of all y have no point: the comparison covered both answers.
    expect(off).toBeGreaterThan(20)
  })

  it('checks the equation: every vector the rule set accepts, no corrupted signature', () => {
    const accepted = vectors.cases.filter((c) => ed25519Verify(hex(c.signature), hex(c.message), hex(c.publicKey)))
    expect(accepted.length).toBeGreaterThan(0)
    for (const c of accepted) {
      const [s, m, k] = [hex(c.signature), hex(c.message), hex(c.publicKey)]
      expect(kernel.verify!(s, m, k)).toBe(true)
      s[40]! ^= 1
      expect(kernel.verify!(s, m, k)).toBe(false)
    }
  })

  it('refers to nothing outside its own source text (worker threads run it from ed25519Kernel.toString())', () => {
    const make = runInNewContext(`(${ed25519Kernel.toString()})`, { Buffer, __name: (f: unknown) => f }) as typeof ed25519Kernel
    const copy = make(nodeCrypto)
    const key = Ed25519KeyPair.generate()
    const message = new Uint8Array([1, 2, 3])
    const signature = key.signSync(message)
    expect(copy.verify!(signature, message, key.publicKey)).toBe(true)
    expect(copy.verify!(signature, new Uint8Array([1, 2, 4]), key.publicKey)).toBe(false)
    expect(copy.decodes(key.publicKey)).toBe(true)
    expect(make(undefined).verify).toBeUndefined()
  })
})
