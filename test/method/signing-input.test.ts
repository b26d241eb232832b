import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { utf8Encode } from '../../src/lib/bytes.js'
import { canonicalize, type JsonValue } from '../../src/lib/jcs.js'
import type { Operation } from '../../src/method/operation-types.js'
import { SIGNING_DOMAIN, signingInput, signingInputOfCanonical } from '../../src/method/signing-input.js'

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!
const sig = () => randomBytes(64).toString('base64url')
// Values that try to fool a search for the "sig" member: a nested "sig" member, the member's text
// inside strings, non-ASCII text before and after it.
const TRICKY: JsonValue[] = [
  'plain',
  'é\u{1f600}',
  ',"sig":"abc"',
  '"sig":"x"}',
  { sig: 'AAAA' },
  { sig: 'AAAA', type: 'update' },
  [{ sig: 'B' }, ',"sig":"'],
  { z: { sig: 'C' } },
]

describe('method/signing-input: the signing input cut out of canonical bytes', () => {
  it('equals signingInput(operation) on random operation-like objects, whatever they hold', () => {
    let fast = 0
    for (let i = 0; i < 5000; i++) {
      const op: Record<string, JsonValue> = { sig: sig() }
      for (const key of ['did', 'document', 'key', 'content', 'prev', 'patches']) if (Math.random() < 0.6) op[key] = pick(TRICKY)
      op.type = pick(['create', 'update', 'resource', 'dé', 'a"b'])
      if (Math.random() < 0.5) op.updateKey = pick(['z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 'é', 'a b'])
      if (Math.random() < 0.2) op.zz = pick(TRICKY)
      const text = canonicalize(op)
      const bytes = utf8Encode(text)
      const expected = signingInput(op as unknown as Operation)
      const got = signingInputOfCanonical(op as unknown as Operation, text, bytes)
      expect(got).toEqual(expected)
      if (!/[^\x00-\x7f]/.test(text.slice(text.lastIndexOf(',"sig":"')))) fast++
    }
    expect(fast).toBeGreaterThan(1000)
  })

  it('starts with the domain tag and a zero byte, and leaves out exactly the sig member', () => {
    const op = { key: 'z6Mk', sig: 'QUJD', type: 'update' }
    const text = canonicalize(op)
    const got = signingInputOfCanonical(op as unknown as Operation, text, utf8Encode(text))
    expect(Buffer.from(got).toString('latin1')).toBe(`${SIGNING_DOMAIN}\u0000{"key":"z6Mk","type":"update"}`)
  })
})
