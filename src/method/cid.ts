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
  return CID.createV1(JSON_CODEC, Digest.create(SHA2_256, digest)).toString()
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
