import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from '../lib/crypto.js'

// An operation's CID: CIDv1, the json codec, a sha2-256 multihash of its canonical bytes, base32.
const JSON_CODEC = 0x0200
const SHA2_256 = 0x12

/**
 * The CID string of operation bytes whose SHA-256 is `digest`: the one place a CID is computed.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#operations
 */
export function cidOfDigest(digest: Uint8Array): string {
  if (digest.length === 32) return cidOfBase32Digest(base32.baseEncode(digest))
  return CID.createV1(JSON_CODEC, Digest.create(SHA2_256, digest)).toString()
}

// A CID's bytes are 0x01 (v1), 0x80 0x04 (json codec), 0x12 0x20 (sha2-256, 32 bytes), then the
// digest: five bytes are eight base32 characters, so the string is 'b', a fixed prefix, then the
// digest's own base32 (the one in a create's DID suffix).
const CID_PREFIX = `b${base32.baseEncode(Uint8Array.of(0x01, 0x80, 0x04, SHA2_256, 32))}`

/** The CID string of operation bytes whose 32-byte SHA-256 is, in base32, `digest32`. @internal */
export function cidOfBase32Digest(digest32: string): string {
  return CID_PREFIX + digest32
}

const OPERATION_CID = new RegExp(`^${CID_PREFIX}[a-z2-7]{51}[aq]$`)

/**
 * Whether `text` is an operation CID in its one form, decided without parsing it: exactly the
 * strings {@link cidOfDigest} writes (equivalent to `CID.parse` then {@link isOperationCid}).
 * @internal
 */
export function isOperationCidText(text: string): boolean {
  return text.length === CID_PREFIX.length + 52 && OPERATION_CID.test(text)
}

/** Computes the CID string of operation bytes (no other checks). */
export function operationCid(bytes: Uint8Array): string {
  return cidOfDigest(sha256(bytes))
}

/**
 * Whether `parsed` (parsed from `text`) is an operation CID written in its one form: CIDv1, the json
 * codec, a 32-byte sha2-256 multihash, base32 exactly as {@link cidOfDigest} writes it.
 */
export function isOperationCid(parsed: CID, text: string): boolean {
  return (
    parsed.version === 1 &&
    parsed.code === JSON_CODEC &&
    parsed.multihash.code === SHA2_256 &&
    parsed.multihash.size === 32 &&
    parsed.toString() === text
  )
}
