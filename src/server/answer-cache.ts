import { Lru } from '../lib/lru.js'
import { toReply, type Answer } from './answer.js'
import type { EndpointReply } from './endpoint.js'

/** One cached reply: the network and head height it was produced at, and its ETag. */
export interface CachedReply {
  network: string
  height: number
  etag: string
  reply: EndpointReply
  size: number
}

/**
 * Replies as sent, least recently used first out, bounded by count and by bytes. One entry per key:
 * a reply from another head height is a miss, and is replaced.
 */
export class AnswerCache {
  /** Undefined when `maxEntries` is 0: nothing is kept. */
  readonly #entries: Lru<string, CachedReply> | undefined
  readonly #cors: Readonly<Record<string, string>>
  /** Replies that are already as sent (this cache's): {@link toReply} is not applied again. */
  readonly #sent = new WeakSet<Answer>()
  /** Requests answered from this cache, and requests it could not answer (read by the metrics). */
  hits = 0
  misses = 0

  constructor(maxEntries: number, maxBytes: number, cors: Readonly<Record<string, string>>) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError('options.cache.maxEntries must be a non-negative integer')
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError('options.cache.maxBytes must be a non-negative integer')
    this.#entries = maxEntries === 0 ? undefined : new Lru({ maxEntries, maxWeight: maxBytes, weigh: (entry) => entry.size })
    this.#cors = cors
  }

  /** The entry of `key`, whatever its height, without counting it as used. */
  peek(key: string): CachedReply | undefined {
    return this.#entries?.peek(key)
  }

  /** Counts `entry` (from {@link peek}) as used, and returns it. */
  touch(key: string, entry: CachedReply): CachedReply {
    this.hits++
    this.#entries?.get(key)
    return entry
  }

  /**
   * Stores `answer` as sent (CORS headers, body as bytes) and returns that; returns `answer` as it
   * is when it is larger than the whole budget.
   */
  set(key: string, network: string, height: number, etag: string, answer: Answer): Answer {
    if (!this.#entries) return answer
    const reply = toReply(answer, this.#cors)
    // Keys are UTF-16 in memory; headers are a few hundred bytes at most.
    const size = 2 * key.length + 512 + (reply.body?.length ?? 0)
    const entry: CachedReply = { network, height, etag, reply, size }
    // Replaces the entry of `key`; one heavier than the whole budget is not kept.
    this.#entries.set(key, entry)
    if (this.#entries.peek(key) !== entry) return answer
    this.#sent.add(reply)
    return reply
  }

  /** Counts a request this cache could not answer (absent, or from another head height). */
  miss(): void {
    this.misses++
  }

  /** Whether `answer` is a reply this cache handed out, already as sent. */
  isSent(answer: Answer): answer is EndpointReply {
    return this.#sent.has(answer)
  }
}
