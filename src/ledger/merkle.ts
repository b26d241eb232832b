import { sha256 } from '../lib/crypto.js'

const LEAF = 0x00
const NODE = 0x01

function hashWith(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 1
  for (const p of parts) length += p.length
  const buf = new Uint8Array(length)
  buf[0] = prefix
  let offset = 1
  for (const p of parts) {
    buf.set(p, offset)
    offset += p.length
  }
  return sha256(buf)
}

/**
 * RFC 6962 §2.1 Merkle Tree Hash over `leaves` (each an operation's SHA-256): leaf hashes are
 * H(0x00 || leaf), interior nodes H(0x01 || left || right), split at the largest power of two
 * smaller than the count.
 *
 * @throws {RangeError} when `leaves` is empty (a batch has at least one operation).
 * @example `toHex(merkleRoot(batch.map((op) => op.digest)))`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#anchoring
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) throw new RangeError('leaves must not be empty')
  let level = leaves.map((leaf) => hashWith(LEAF, leaf))
  // Bottom-up pairing with the odd node promoted unchanged gives the same root as RFC 6962's
  // top-down split for every count.
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? hashWith(NODE, level[i]!, level[i + 1]!) : level[i]!)
    }
    level = next
  }
  return level[0]!
}
