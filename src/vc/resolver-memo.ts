import type { JsonValue } from '../lib/jcs.js'
import { Lru } from '../lib/lru.js'
import type { DidTimeline, GridResolver } from '../resolver/resolver.js'
import { decodeJws, type DecodedJws } from './jwt.js'

/** Credential tokens kept parsed per resolver: one user presents the same credential many times. */
const MAX_TOKENS = 4_096
/** Most characters of token text kept parsed per resolver (about three times that in memory). */
const MAX_TOKEN_TEXT = 8 * 2 ** 20
/** Reads pinned to a height kept per resolver: the checks of one block all read at its height. */
const MAX_PINNED = 4_096

/** A DID timeline or a resource's content as of one height, or why it cannot be used (a verdict). */
export type PinnedRead = DidTimeline | Readonly<{ [key: string]: JsonValue }> | string

interface Memo {
  tokens: Lru<string, DecodedJws>
  pinned: Lru<string, PinnedRead>
}

/**
 * What the verifier keeps between checks, one bounded LRU of each kind per resolver (a WeakMap
 * keyed by the resolver, so each belongs to that instance and goes with it). Only what is fixed by
 * its key is kept, never a decision: a token's parse is a pure function of its exact text, and a
 * read pinned to a finalized height (a DID's timeline, a resource's content, or why it is unusable)
 * cannot change (spec §Verification). The signature, times, trust, schema and status are checked
 * again in every verification, from reads at its own height, so a revocation, suspension,
 * rotation or deactivation at another height is never answered from here. Outages are not kept.
 */
const memos = new WeakMap<GridResolver, Memo>()

function memoOf(resolver: GridResolver): Memo {
  let memo = memos.get(resolver)
  if (!memo) {
    memo = {
      tokens: new Lru({ maxEntries: MAX_TOKENS, maxWeight: MAX_TOKEN_TEXT, weigh: (d) => d.signingInput.length }),
      pinned: new Lru({ maxEntries: MAX_PINNED }),
    }
    memos.set(resolver, memo)
  }
  return memo
}

/**
 * {@link decodeJws} of a credential token, from `resolver`'s memo when the same text was parsed
 * before. The result's header and payload are frozen (shared between checks). Malformed tokens
 * are not kept.
 * @internal
 */
export function decodeCredentialJws(resolver: GridResolver, jwt: unknown, maxLength: number): DecodedJws | string {
  if (typeof jwt !== 'string' || jwt.length > maxLength) return decodeJws(jwt, maxLength)
  const memo = memoOf(resolver)
  const kept = memo.tokens.get(jwt)
  if (kept) return kept
  const decoded = decodeJws(jwt, maxLength)
  if (typeof decoded === 'string') return decoded
  deepFreeze(decoded.header)
  deepFreeze(decoded.payload)
  memo.tokens.set(jwt, Object.freeze(decoded))
  return decoded
}

/**
 * The read `key` (which names its height) as kept in `resolver`'s memo, or `read()`'s result,
 * kept (frozen) once it settles; a read that throws (an outage, a height not reached) is not kept.
 * @internal
 */
export function pinnedRead<T extends PinnedRead>(resolver: GridResolver, key: string, read: () => Promise<T>): Promise<T> {
  const memo = memoOf(resolver)
  const kept = memo.pinned.get(key)
  if (kept !== undefined) return Promise.resolve(kept as T)
  return read().then((value) => {
    deepFreeze(value)
    memo.pinned.set(key, value)
    return value
  })
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const v of Object.values(value)) deepFreeze(v)
}
