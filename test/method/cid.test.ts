import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { operationCid } from '../../src/index.js'
import type { InvalidOperationError } from '../../src/errors.js'
import { cidOfDigest, isOperationCid, isOperationCidText } from '../../src/method/cid.js'
import { cid as cidField } from '../../src/method/operation-fields.js'
import { sha256 } from '../../src/lib/crypto.js'
import { newDid } from '../helpers.js'

describe('operation CIDs: one computation', () => {
  it('is CIDv1, json codec, sha2-256 of the canonical bytes, base32; the decoder gives the same', async () => {
    const { create } = await newDid('cid')
    const expected = CID.createV1(0x0200, Digest.create(0x12, sha256(create.bytes))).toString()
    expect(cidOfDigest(sha256(create.bytes))).toBe(expected)
    expect(operationCid(create.bytes)).toBe(expected)
    expect(create.cid).toBe(expected)
    expect(isOperationCid(CID.parse(expected), expected)).toBe(true)
  })

  it('accepts only that one form', () => {
    const digest = sha256(new Uint8Array([1]))
    const raw = CID.createV1(0x55, Digest.create(0x12, digest)).toString()
    const v0 = CID.createV0(Digest.create(0x12, digest))
    const json = cidOfDigest(digest)
    const base58 = CID.parse(json).toString(base58btc)
    expect(isOperationCid(CID.parse(raw), raw)).toBe(false)
    expect(isOperationCid(v0, v0.toString())).toBe(false)
    expect(isOperationCid(CID.parse(json), json.toUpperCase())).toBe(false)
    expect(isOperationCid(CID.parse(json), base58)).toBe(false)
  })

  it('writes, with its fixed prefix, exactly what CID.createV1 writes (differential, random digests)', () => {
    for (let i = 0; i < 2000; i++) {
      const digest = sha256(Uint8Array.of(i & 255, i >> 8))
      expect(cidOfDigest(digest)).toBe(CID.createV1(0x0200, Digest.create(0x12, digest)).toString())
    }
    // Other digest sizes take the general path.
    const short = new Uint8Array(20).fill(7)
    expect(cidOfDigest(short)).toBe(CID.createV1(0x0200, Digest.create(0x12, short)).toString())
  })

  it('the field check takes its short cut only for texts parsing accepts, and answers as before (differential)', () => {
    const parsed = (text: string): boolean => {
      try {
        return isOperationCid(CID.parse(text), text)
      } catch {
        return false
      }
    }
    // The former field check: parse, then the one-form test.
    const former = (text: string): string => {
      let cid: CID
      try {
        cid = CID.parse(text)
      } catch {
        return 'malformed: prev must be a CID'
      }
      return isOperationCid(cid, text) ? text : 'malformed: prev must be a base32 CIDv1 with the json codec and sha2-256'
    }
    const field = (text: string): string => {
      try {
        return cidField(text, 'prev')
      } catch (err) {
        return `${(err as InvalidOperationError).reason}: ${(err as Error).message}`
      }
    }
    const base = cidOfDigest(sha256(new Uint8Array([9])))
    const texts = [base, base.toUpperCase(), base.slice(0, -1), `${base}a`, `${base.slice(0, -1)}b`, `${base.slice(0, -1)}q`]
    const chars = 'abcdefghijklmnopqrstuvwxyz234567AZ01 '
    for (let i = 0; i < 3000; i++) {
      const at = Math.floor(Math.random() * base.length)
      texts.push(base.slice(0, at) + chars[Math.floor(Math.random() * chars.length)] + base.slice(at + 1))
    }
    let accepted = 0
    for (const text of texts) {
      // Parsing also accepts a mixed-case text (CID.parse keeps the source string as its toString),
      // which the short cut leaves to it: the field check's answer is the former one either way.
      if (isOperationCidText(text)) expect(parsed(text)).toBe(true)
      expect(field(text)).toBe(former(text))
      if (parsed(text)) accepted++
    }
    expect(accepted).toBeGreaterThan(100)
  })
})
