/** Options of {@link Lru}. */
export interface LruOptions<V> {
  /** Most entries kept (≥ 1). */
  maxEntries: number
  /** Most total weight kept, with {@link LruOptions.weigh}; default unbounded. */
  maxWeight?: number
  /** The weight of a value (e.g. its size in bytes), a non-negative number; default 0. */
  weigh?: (value: V) => number
}

/**
 * A bounded least-recently-used map, owned by whoever creates it (never a module global). Reading
 * an entry with {@link Lru.get} makes it the most recently used; adding one beyond `maxEntries` or
 * `maxWeight` evicts the least recently used first. A value heavier than `maxWeight` on its own is
 * not kept. One insertion-ordered `Map`: every operation is O(1) amortised.
 * @internal
 */
export class Lru<K, V> {
  readonly maxEntries: number
  readonly maxWeight: number
  readonly #weigh: (value: V) => number
  readonly #map = new Map<K, { value: V; weight: number }>()
  #weight = 0
  /** The most recently used key, when known: reading it again moves nothing. */
  #newest: { key: K } | undefined

  constructor(options: LruOptions<V>) {
    const { maxEntries, maxWeight = Number.POSITIVE_INFINITY, weigh = () => 0 } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be an integer >= 1')
    if (!(maxWeight >= 0)) throw new RangeError('maxWeight must be a non-negative number')
    this.maxEntries = maxEntries
    this.maxWeight = maxWeight
    this.#weigh = weigh
  }

  /** Entries kept. */
  get size(): number {
    return this.#map.size
  }

  /** Total weight kept. */
  get weight(): number {
    return this.#weight
  }

  /** The value for `key`, made most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const entry = this.#map.get(key)
    if (entry === undefined) return undefined
    // A hot key read again and again stays where it is: no delete and re-insert, which leave holes
    // the map has to compact.
    if (this.#newest === undefined || this.#newest.key !== key) {
      this.#map.delete(key)
      this.#map.set(key, entry)
      this.#newest = { key }
    }
    return entry.value
  }

  /** The value for `key` without touching its recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  /** Keeps `value` under `key` as the most recently used, then evicts down to the bounds. */
  set(key: K, value: V): this {
    this.delete(key)
    const weight = this.#weigh(value)
    if (!(weight >= 0)) throw new RangeError('weigh must return a non-negative number')
    if (weight > this.maxWeight) return this
    this.#map.set(key, { value, weight })
    this.#newest = { key }
    this.#weight += weight
    while (this.#map.size > this.maxEntries || this.#weight > this.maxWeight) {
      const oldest = this.#map.keys().next().value as K
      this.delete(oldest)
    }
    return this
  }

  delete(key: K): boolean {
    const entry = this.#map.get(key)
    if (entry === undefined) return false
    if (this.#newest?.key === key) this.#newest = undefined
    this.#map.delete(key)
    this.#weight -= entry.weight
    return true
  }

  clear(): void {
    this.#newest = undefined
    this.#map.clear()
    this.#weight = 0
  }

  /** Keys from least to most recently used. */
  keys(): IterableIterator<K> {
    return this.#map.keys()
  }
}
