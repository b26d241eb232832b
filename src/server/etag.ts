import { toHex, utf8Encode } from '../lib/bytes.js'
import { sha256 } from '../lib/crypto.js'
import type { Answer } from './answer.js'

// Answers can change with every new block: revalidate each time (cheap: see the ETag). They are
// negotiated, so a shared cache keys them by Accept too (RFC 9110 §12.5.5).
export const CACHE = 'public, max-age=0, must-revalidate'

/**
 * The `ETag` of the answer cached under `key` at ledger head `height`: nothing the endpoint returns
 * can change until the head moves.
 */
export function etagOf(height: number, key: string): string {
  return `"${height}-${toHex(sha256(utf8Encode(key))).slice(0, 16)}"`
}

/** Whether an `If-None-Match` list names `etag`, by weak comparison (RFC 9110 §8.8.3.2, §13.1.2): `W/` is ignored. */
export function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

/** 304 with the headers a 200 would carry that describe it (RFC 9110 §15.4.5). */
export function notModified(etag: string): Answer {
  return { status: 304, headers: { etag, 'cache-control': CACHE, vary: 'Accept' }, body: null }
}
