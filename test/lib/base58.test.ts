import { randomBytes } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { describe, expect, it } from 'vitest'
import { InvalidKeyError } from '../../src/errors.js'
import { base58Decode, base58Encode } from '../../src/lib/base58.js'
import { isValidEd25519PublicKey } from '../../src/lib/crypto.js'
import { Ed25519KeyPair, decodeMultikey } from '../../src/method/keys.js'

// The reference: multiformats' base-x, which the key decoder used before (same results wanted).
const reference = (text: string): Uint8Array | undefined => {
  try {
    return base58btc.baseDecode(text)
  } catch {
    return undefined
  }
}
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const OTHERS = '0OIl +/=\u00e9\u{1f600}\n'

describe('lib/base58: base58btc, differential against base-x', () => {
  it('encodes every byte string as base-x does (leading zeros, empty, all zeros, Multikey sizes)', () => {
    const inputs: Uint8Array[] = [new Uint8Array(0), new Uint8Array(1), new Uint8Array(34), new Uint8Array(34).fill(255)]
    for (let i = 0; i < 4000; i++) {
      const bytes = new Uint8Array(randomBytes(i % 70))
      bytes.fill(0, 0, Math.min(bytes.length, i % 5))
      if (i % 11 === 0 && bytes.length > 1) bytes.set([0xed, 0x01])
      inputs.push(bytes)
    }
    for (const bytes of inputs) {
      const text = base58btc.baseEncode(bytes)
      expect(base58Encode(bytes)).toBe(text)
      expect(base58Decode(text)).toEqual(reference(text))
    }
  })

  it('decodes every string as base-x does: same bytes, and undefined exactly where base-x refuses', () => {
    const texts = ['', '1', '111', ' 1', '1 ', 'z', '2'.repeat(47), 'z'.repeat(100), `1${'z'.repeat(47)}`]
    for (let i = 0; i < 6000; i++) {
      let text = ''
      const pool = i % 4 === 0 ? ALPHABET + OTHERS : ALPHABET
      for (let k = 0; k < i % 60; k++) text += [...pool][Math.floor(Math.random() * [...pool].length)]
      if (i % 7 === 0) text = `111${text}`
      texts.push(text)
    }
    let refused = 0
    let wide = 0
    for (const text of texts) {
      // base-x reads a character above U+00FF as a NaN digit (garbage, not refused): such strings are
      // handed back (null) for the caller to ask base-x itself.
      if ([...text].some((c) => c.charCodeAt(0) > 0xff)) {
        wide++
        expect(base58Decode(text)).toBeNull()
        continue
      }
      const expected = reference(text)
      if (expected === undefined) refused++
      const got = base58Decode(text)
      expect(got).toEqual(expected)
      // What decodes re-encodes to the same string: decodeMultikey's canonical check needs no encoding.
      if (got) expect(base58Encode(got)).toBe(text)
    }
    expect(refused).toBeGreaterThan(100)
    expect(wide).toBeGreaterThan(100)
  })

  it('decodeMultikey gives the same keys and the same errors as the base-x decoder it replaced', () => {
    // The former decodeMultikey (its non-deferred path), on base-x.
    const former = (multibase: string): string => {
      try {
        if (!multibase.startsWith('z')) throw new InvalidKeyError('publicKeyMultibase must be base58btc (start with "z")')
        if (multibase.length !== 48) throw new InvalidKeyError(`an Ed25519 or X25519 Multikey is 48 characters, got ${multibase.length}`)
        let bytes: Uint8Array
        try {
          bytes = base58btc.decode(multibase)
        } catch {
          throw new InvalidKeyError('publicKeyMultibase is not valid base58btc')
        }
        let type: string
        if (bytes[0] === 0xed && bytes[1] === 0x01) type = 'Ed25519'
        else if (bytes[0] === 0xec && bytes[1] === 0x01) type = 'X25519'
        else throw new InvalidKeyError('publicKeyMultibase has an unsupported multicodec (expected ed25519-pub or x25519-pub)')
        const publicKey = bytes.slice(2)
        if (type === 'Ed25519' && !isValidEd25519PublicKey(publicKey)) {
          throw new InvalidKeyError('not a valid Ed25519 public key (non-canonical encoding, not on the curve, or small order)')
        }
        if (base58btc.encode(bytes) !== multibase) throw new InvalidKeyError('publicKeyMultibase is not in canonical form')
        return `${type} ${Buffer.from(publicKey).toString('hex')}`
      } catch (err) {
        return `${(err as Error).constructor.name}: ${(err as Error).message}`
      }
    }
    const now = (multibase: string): string => {
      try {
        const { type, publicKey } = decodeMultikey(multibase)
        return `${type} ${Buffer.from(publicKey).toString('hex')}`
      } catch (err) {
        return `${(err as Error).constructor.name}: ${(err as Error).message}`
      }
    }
    const keys = Array.from({ length: 40 }, () => Ed25519KeyPair.generate().publicKeyMultibase)
    const outcomes = new Set<string>()
    for (let i = 0; i < 6000; i++) {
      const key = keys[i % keys.length]!
      const at = 1 + Math.floor(Math.random() * 47)
      const pool = i % 3 === 0 ? ALPHABET + OTHERS : ALPHABET
      const chars = [...pool]
      let text = key.slice(0, at) + chars[Math.floor(Math.random() * chars.length)] + key.slice(at + 1)
      if (i % 5 === 0) text = `z${ALPHABET[Math.floor(Math.random() * 58)]}${text.slice(2)}`
      if (i % 13 === 0) text = `z${Array.from({ length: 47 }, () => chars[Math.floor(Math.random() * chars.length)]).join('')}`
      const expected = former(text)
      outcomes.add(expected.split(':')[1]?.slice(0, 30) ?? expected.slice(0, 8))
      expect(now(text)).toBe(expected)
    }
    // Valid keys, bad points, wrong codecs, bad characters, wrong lengths (a 2-unit emoji) all met.
    expect(outcomes.size).toBeGreaterThanOrEqual(5)
  })
})
