import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { operationCid } from '../../src/index.js'
import { cidOfDigest, isOperationCid } from '../../src/method/cid.js'
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
})
