import { InvalidCredentialError, ResourceNotFoundError } from '../errors.js'
import { randomBytes } from '../lib/crypto.js'
import { anchorResource, type AnchorTarget, type ResourceAuthor } from './resources.js'
import { peekPayload } from './jwt.js'
import {
  Bitstring,
  STATUS_LIST_MIN_LENGTH,
  STATUS_LIST_RESOURCE_TYPE,
  readStatusListContent,
  statusEntry,
  statusListContent,
  statusListResourceId,
  type StatusListEntry,
  type StatusPurpose,
} from './status-list.js'

/**
 * The issuer's record of allocated status-list indexes. Allocation is random (so an index says
 * nothing about issuance order), which needs memory of what is taken. Keep it durable in production
 * (the CLI keeps it in its embedded store); {@link MemoryStatusIndexStore} is for tests and demos.
 */
export interface StatusIndexStore {
  /** Marks `index` of list `list` as taken; false when it already was. */
  reserve(list: number, index: number): boolean | Promise<boolean>
  /** How many indexes of list `list` are taken. */
  count(list: number): number | Promise<number>
}

/** A {@link StatusIndexStore} in memory. */
export class MemoryStatusIndexStore implements StatusIndexStore {
  readonly #taken = new Map<number, Set<number>>()

  reserve(list: number, index: number): boolean {
    let set = this.#taken.get(list)
    if (!set) this.#taken.set(list, (set = new Set()))
    if (set.has(index)) return false
    set.add(index)
    return true
  }

  count(list: number): number {
    return this.#taken.get(list)?.size ?? 0
  }
}

/** Options of {@link StatusRegistry}. */
export interface StatusRegistryOptions extends ResourceAuthor, AnchorTarget {
  /**
   * Allocated indexes. Required, and must be durable and shared by every service issuing for this
   * DID: an index allocated twice makes one revocation revoke two credentials.
   * {@link MemoryStatusIndexStore} is for tests and demos.
   */
  store: StatusIndexStore
  /** Entries per list, a multiple of 8 from 131,072 (the default) to 262,144. */
  listLength?: number
  /** Allocations per list before the next list is opened (default a quarter of the length). */
  fillLimit?: number
}

/** A status change to anchor. */
export interface StatusChange {
  /** A credential JWT of this issuer, or its status entries. */
  credential: string | readonly StatusListEntry[]
  purpose: StatusPurpose
  /** true sets the bit (revoked / suspended), false clears it (only suspension can be lifted). */
  value: boolean
}

/**
 * An issuer's status lists: allocates a random index per credential (one index in a revocation list
 * and the same index in a suspension list) and anchors list changes as new resource versions.
 * Changes are serialised per registry, batched per list, and confirmed on the ledger.
 *
 * @example
 * ```ts
 * const status = new StatusRegistry({ did: utility, signer: assertionKey, ledger, resolver, store: durableIndexStore })
 * const jwt = await issueRoleCredential({ …, status })
 * await status.revoke(jwt)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#status-lists
 */
export class StatusRegistry {
  readonly did: string
  readonly #author: ResourceAuthor
  readonly #target: AnchorTarget
  readonly #store: StatusIndexStore
  readonly #length: number
  readonly #fill: number
  #queue: Promise<unknown> = Promise.resolve()
  #list = 1

  constructor(options: StatusRegistryOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
    this.did = options.did
    this.#author = { did: options.did, signer: options.signer }
    this.#target = { ledger: options.ledger, resolver: options.resolver }
    if (typeof options.store?.reserve !== 'function' || typeof options.store.count !== 'function') {
      throw new TypeError('options.store must be a StatusIndexStore (durable in production; MemoryStatusIndexStore for tests)')
    }
    this.#store = options.store
    this.#length = options.listLength ?? STATUS_LIST_MIN_LENGTH
    // Above 262,144 entries a quarter-full list of random revocations no longer fits one 64 KiB
    // resource operation once compressed.
    if (
      !Number.isSafeInteger(this.#length) ||
      this.#length < STATUS_LIST_MIN_LENGTH ||
      this.#length > 2 * STATUS_LIST_MIN_LENGTH ||
      this.#length % 8 !== 0
    ) {
      throw new RangeError(`listLength must be a multiple of 8 from ${STATUS_LIST_MIN_LENGTH} to ${2 * STATUS_LIST_MIN_LENGTH}`)
    }
    this.#fill = options.fillLimit ?? this.#length / 4
    if (!Number.isSafeInteger(this.#fill) || this.#fill < 1 || this.#fill > this.#length / 4) {
      throw new RangeError('fillLimit must be an integer from 1 to a quarter of the list length')
    }
  }

  /**
   * Allocates a fresh random index and returns the credential's two status entries (revocation,
   * suspension). The first allocation in a list anchors the list's empty first version.
   */
  allocate(): Promise<[StatusListEntry, StatusListEntry]> {
    return this.#serial(async () => {
      while ((await this.#store.count(this.#list)) >= this.#fill) this.#list++
      const list = this.#list
      for (;;) {
        const index = randomIndex(this.#length)
        if (!(await this.#store.reserve(list, index))) continue
        const entries: [StatusListEntry, StatusListEntry] = [
          statusEntry(this.#url('revocation', list), 'revocation', index),
          statusEntry(this.#url('suspension', list), 'suspension', index),
        ]
        for (const e of entries) await this.#ensureList(e)
        return entries
      }
    })
  }

  /** Revokes a credential for good. */
  revoke(credential: StatusChange['credential']): Promise<void> {
    return this.update([{ credential, purpose: 'revocation', value: true }])
  }

  /** Suspends a credential until {@link StatusRegistry.reinstate}. */
  suspend(credential: StatusChange['credential']): Promise<void> {
    return this.update([{ credential, purpose: 'suspension', value: true }])
  }

  /** Lifts a suspension. */
  reinstate(credential: StatusChange['credential']): Promise<void> {
    return this.update([{ credential, purpose: 'suspension', value: false }])
  }

  /**
   * Applies status changes, one new anchored version per list touched (lists already in the wanted
   * state are left alone, so re-running is harmless).
   * Pass credentials (or entries) from the issuer's own records: a JWT's signature is not checked
   * here, so anyone who can call this can name any entry of the issuer's lists.
   * @throws {InvalidCredentialError} when a credential has no entry of this issuer for the purpose;
   *   {@link RangeError} when asked to clear a revocation (revocation is final).
   */
  async update(changes: readonly StatusChange[]): Promise<void> {
    const byList = new Map<string, { index: number; value: boolean; purpose: StatusPurpose }[]>()
    for (const change of changes) {
      if (change.purpose === 'revocation' && change.value !== true) throw new RangeError('a revocation cannot be lifted')
      const entry = this.#entryOf(change.credential, change.purpose)
      const list = byList.get(entry.statusListCredential) ?? []
      list.push({ index: Number(entry.statusListIndex), value: change.value, purpose: change.purpose })
      byList.set(entry.statusListCredential, list)
    }
    return this.#serial(async () => {
      for (const [url, bits] of byList) {
        // Applied to whatever version is latest at each attempt, so a concurrent writer's changes stay.
        await anchorResource(this.#author, this.#target, resourceIdOf(url), STATUS_LIST_RESOURCE_TYPE, async (latest) => {
          if (!latest) throw new InvalidCredentialError(`${url} is not anchored`)
          const read = readStatusListContent(latest.content, url)
          if (typeof read === 'string') throw new InvalidCredentialError(`${url}: ${read}`)
          const list = await Bitstring.decode(read.encodedList)
          for (const b of bits) {
            if (b.index >= list.length) throw new InvalidCredentialError(`index ${b.index} is outside the ${list.length}-entry list ${url}`)
            list.set(b.index, b.value)
          }
          return statusListContent(url, this.did, bits[0]!.purpose, await list.encode())
        })
      }
    })
  }

  #entryOf(credential: StatusChange['credential'], purpose: StatusPurpose): StatusListEntry {
    let entries: unknown
    if (typeof credential === 'string') {
      const payload = peekPayload(credential)
      if (!payload) throw new InvalidCredentialError('the credential is not a JWT')
      if (payload.iss !== this.did) throw new InvalidCredentialError(`the credential was issued by ${String(payload.iss)}, not ${this.did}`)
      entries = (payload.vc as Record<string, unknown> | undefined)?.credentialStatus
    } else entries = credential
    const list = Array.isArray(entries) ? entries : entries === undefined ? [] : [entries]
    const prefix = `${this.did}/resources/status-${purpose}-`
    const entry = list.find(
      (e): e is StatusListEntry =>
        typeof e === 'object' &&
        e !== null &&
        e.statusPurpose === purpose &&
        typeof e.statusListCredential === 'string' &&
        e.statusListCredential.startsWith(prefix),
    )
    // The index is checked against the anchored list's real length when the change is applied.
    if (!entry || !/^(0|[1-9][0-9]{0,8})$/.test(entry.statusListIndex)) {
      throw new InvalidCredentialError(`the credential has no ${purpose} entry in a list of ${this.did}`)
    }
    return entry
  }

  #url(purpose: StatusPurpose, list: number): string {
    return `${this.did}/resources/${statusListResourceId(purpose, list)}`
  }

  async #ensureList(entry: StatusListEntry): Promise<void> {
    try {
      await this.#target.resolver.resolveResource(entry.statusListCredential)
    } catch (err) {
      if (!(err instanceof ResourceNotFoundError)) throw err
      const empty = statusListContent(entry.statusListCredential, this.did, entry.statusPurpose, await new Bitstring(this.#length).encode())
      // Create only: if another service anchored the list meanwhile, its version stays as it is.
      await anchorResource(this.#author, this.#target, resourceIdOf(entry.statusListCredential), STATUS_LIST_RESOURCE_TYPE, (latest) =>
        latest ? (latest.content as ReturnType<typeof statusListContent>) : empty,
      )
    }
  }

  /** Runs `task` after every earlier task of this registry. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }
}

function resourceIdOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1)
}

/** Uniform in [0, length) from the CSPRNG (rejection sampling, no modulo bias). */
function randomIndex(length: number): number {
  const limit = Math.floor(0x1_0000_0000 / length) * length
  for (;;) {
    const b = randomBytes(4)
    const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
    if (n < limit) return n % length
  }
}
