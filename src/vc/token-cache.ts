import { Lru } from '../lib/lru.js'
import type { GridResolver } from '../resolver/resolver.js'
import { decodeJws, type DecodedJws } from './jwt.js'

/** Credential tokens kept parsed per resolver: one user presents the same credential many times. */
const MAX_TOKENS = 4_096
/** Most characters of token text kept parsed per resolver (about three times that in memory). */
const MAX_TOKEN_TEXT = 8 * 2 ** 20

/**
 * Parsed credential tokens, one bounded LRU per resolver. A WeakMap keyed by the resolver, so each
 * cache belongs to that instance and goes with it. What is kept is a pure function of the token's
 * exact text (its split and JSON parse, frozen), never a verdict: the signature, the signer's keys,
 * trust, schema and status are checked again in every verification, as of its height and time, so a
 * revocation, rotation or deactivation is never answered from here.
 */
const caches = new WeakMap<GridResolver, Lru<string, DecodedJws>>()

/**
 * {@link decodeJws} of a credential token, from `resolver`'s cache when the same text was parsed
 * before. The result's header and payload are frozen (shared between checks). Malformed tokens
 * are not kept.
 * @internal
 */
export function decodeCredentialJws(resolver: GridResolver, jwt: unknown, maxLength: number): DecodedJws | string {
  if (typeof jwt !== 'string' || jwt.length > maxLength) return decodeJws(jwt, maxLength)
  let cache = caches.get(resolver)
  const kept = cache?.get(jwt)
  if (kept) return kept
  const decoded = decodeJws(jwt, maxLength)
  if (typeof decoded === 'string') return decoded
  deepFreeze(decoded.header)
  deepFreeze(decoded.payload)
  if (!cache) {
    cache = new Lru({ maxEntries: MAX_TOKENS, maxWeight: MAX_TOKEN_TEXT, weigh: (d) => d.signingInput.length })
    caches.set(resolver, cache)
  }
  cache.set(jwt, Object.freeze(decoded))
  return decoded
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const v of Object.values(value)) deepFreeze(v)
}
