import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { InvalidOperationError } from '../../src/errors.js'
import { fromBase64url, toBase64url } from '../../src/lib/bytes.js'
import { fromBase64urlStrict } from '../../src/method/operation-fields.js'

// The former fromBase64urlStrict, on Buffer's decoder and a re-encoding.
function former(text: string, length: number): string {
  if (text.length === 0 || text.length > 2048) return 'malformed: sig must be 1-2048 characters'
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return 'malformed: sig must be unpadded base64url'
  const bytes = fromBase64url(text)
  if (bytes.length !== length || toBase64url(bytes) !== text) return `malformed: sig must encode exactly ${length} bytes`
  return Buffer.from(bytes).toString('hex')
}
function now(text: string, length: number): string {
  try {
    return Buffer.from(fromBase64urlStrict(text, length, 'sig')).toString('hex')
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOperationError)
    return `${(err as InvalidOperationError).reason}: ${(err as Error).message}`
  }
}

describe('method/operation-fields fromBase64urlStrict: the exact-length short cut answers as before (differential)', () => {
  it('same bytes and the same errors on signatures, their one-character mutations and other lengths', () => {
    const chars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .é\u{1f600}']
    const outcomes = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const length = i % 10 === 0 ? 1 + (i % 70) : 64
      let text = randomBytes(length).toString('base64url')
      if (i % 2 === 0) {
        const at = Math.floor(Math.random() * text.length)
        text = text.slice(0, at) + chars[Math.floor(Math.random() * chars.length)] + text.slice(at + 1)
      }
      if (i % 17 === 0) text = text.slice(0, -1)
      const expected = former(text, 64)
      outcomes.add(expected.startsWith('malformed') ? expected : 'ok')
      expect(now(text, 64)).toBe(expected)
    }
    expect(outcomes).toEqual(new Set(['ok', 'malformed: sig must be unpadded base64url', 'malformed: sig must encode exactly 64 bytes']))
  })

  it('returns a fresh 64-byte array, not a view of a shared slab', () => {
    const bytes = fromBase64urlStrict(randomBytes(64).toString('base64url'), 64, 'sig')
    expect(bytes.byteLength).toBe(64)
    expect(bytes.buffer.byteLength).toBe(64)
  })
})
