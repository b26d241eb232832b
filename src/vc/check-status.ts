import type { LedgerView } from './ledger-view.js'
import { collect, quote, type Fail } from './reasons.js'
import type { CredentialKind } from './roles.js'
import { Bitstring, STATUS_LIST_RESOURCE_TYPE, readStatusListContent, type StatusPurpose } from './status-list.js'

/**
 * The credential's status entries: at most one per purpose, each in one of the issuer's own lists,
 * whose bit is clear; a role credential (not a mandate) needs both a revocation and a suspension entry.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#status-lists
 * @internal
 */
export async function checkStatus(view: LedgerView, kind: CredentialKind, issuer: string, value: unknown, fail: Fail): Promise<void> {
  const entries = value === undefined ? [] : Array.isArray(value) ? value : [value]
  // One entry per purpose at most: a credential cannot make the verifier read a list of lists.
  if (entries.length > 2) return fail('status-invalid', `at most one revocation and one suspension entry, got ${entries.length}`)
  const purposes = new Set<string>()
  const perEntry = await Promise.all(
    entries.map((e: Record<string, unknown>) =>
      collect(async (fail) => {
        if (typeof e !== 'object' || e === null || e.type !== 'BitstringStatusListEntry')
          return fail('status-invalid', 'a credentialStatus entry is not a BitstringStatusListEntry')
        const { statusPurpose: purpose, statusListIndex: index, statusListCredential: url } = e
        if (purpose !== 'revocation' && purpose !== 'suspension') return fail('status-invalid', `unknown statusPurpose ${quote(purpose)}`)
        if (purposes.has(purpose)) return fail('status-invalid', `two ${purpose} entries`)
        purposes.add(purpose)
        if (typeof index !== 'string' || !/^(0|[1-9][0-9]{0,8})$/.test(index))
          return fail('status-invalid', 'statusListIndex must be a decimal string')
        // Only the issuer's own lists count: anyone could publish a list where nothing is revoked.
        if (typeof url !== 'string' || !url.startsWith(`${issuer}/resources/`))
          return fail('status-invalid', `the ${purpose} list is not a resource of ${issuer}`)
        const bits = await statusList(view, url, purpose)
        if (typeof bits === 'string') return fail('status-unavailable', bits)
        const i = Number(index)
        if (i >= bits.length) return fail('status-invalid', `statusListIndex ${i} is outside the ${bits.length}-entry list`)
        if (bits.get(i))
          fail(
            purpose === 'revocation' ? 'status-revoked' : 'status-suspended',
            `${purpose === 'revocation' ? 'revoked' : 'suspended'} (${url} #${i})`,
          )
      }),
    ),
  )
  for (const part of perEntry) for (const r of part) fail(r.code, r.message)
  if (kind !== 'mandate') {
    for (const purpose of ['revocation', 'suspension'] as const) {
      if (!purposes.has(purpose)) fail('status-missing', `a ${kind} credential needs a ${purpose} status entry`)
    }
  }
}

/** The decoded bits of the `purpose` list at `url` as of the context height, or why it cannot be used. */
async function statusList(view: LedgerView, url: string, purpose: StatusPurpose): Promise<Bitstring | string> {
  const resolved = await view.resource(url, STATUS_LIST_RESOURCE_TYPE)
  if (typeof resolved === 'string') return resolved
  const read = readStatusListContent(resolved, url)
  if (typeof read === 'string') return `${url}: ${read}`
  if (read.purpose !== purpose) return `${url} is a ${read.purpose} list, not a ${purpose} list`
  let bits = decodedLists.get(resolved)
  if (!bits) {
    bits = Bitstring.decode(read.encodedList).catch((err: Error) => `${url}: ${err.message}`)
    decodedLists.set(resolved, bits)
  }
  return bits
}

/**
 * Decoded status lists per anchored version. A WeakMap, not an `Lru`: the key is the content object
 * the resolver shares (and freezes) for one anchored version, so an entry lives exactly as long as
 * the resolver keeps that version — its cache is the bound — and the value is a pure function of
 * that immutable content, so sharing it between verifications and resolvers changes no answer.
 */
const decodedLists = new WeakMap<object, Promise<Bitstring | string>>()
