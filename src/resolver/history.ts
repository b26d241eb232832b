import { HeightNotReachedError } from '../errors.js'
import { isoSeconds } from '../lib/time.js'
import type { DidState } from '../method/state-types.js'
import { viewOf, type ResolverContext } from './context.js'
import type { DidTimeline, HistoryEntry } from './resolution-types.js'

/**
 * {@link GridResolver.timeline}: a DID's applied versions and states at or below `ledgerHeight`.
 * @throws as {@link GridResolver.timeline}.
 * @internal
 */
export async function timeline(context: ResolverContext, did: string, ledgerHeight: number): Promise<DidTimeline> {
  if (!Number.isSafeInteger(ledgerHeight) || ledgerHeight < 0) throw new RangeError('ledgerHeight must be a non-negative integer')
  const view = await viewOf(context, did, 'history', ledgerHeight)
  if (ledgerHeight > view.height) throw new HeightNotReachedError(ledgerHeight, view.height)
  const versions = view.fold.versions
  let n = versions.length
  while (n > 0 && versions[n - 1]!.height > ledgerHeight) n--
  // Copies bounded by the height: the view keeps growing as the ledger does.
  return { did: view.fold.did, ledgerHeight, versions: versions.slice(0, n), states: view.states.slice(0, n) }
}

/**
 * {@link GridResolver.history}: every anchored operation of a DID in ledger order, applied or skipped.
 * @throws as {@link GridResolver.history}.
 * @internal
 */
export async function history(
  context: ResolverContext,
  did: string,
): Promise<{ did: string; state: DidState | undefined; operations: HistoryEntry[] }> {
  const view = await viewOf(context, did, 'history')
  const applied = view.fold.versions.map(
    (v): HistoryEntry => ({
      cid: v.cid,
      type: v.type,
      height: v.height,
      position: v.position,
      time: isoSeconds(v.time),
      applied: true,
      versionId: v.versionId,
    }),
  )
  const skipped = view.fold.skipped.map((s): HistoryEntry => {
    const entry: HistoryEntry = {
      cid: s.cid,
      height: s.height,
      position: s.position,
      time: isoSeconds(s.time),
      applied: false,
      reason: s.reason,
      message: s.message,
    }
    if (s.type) entry.type = s.type
    return entry
  })
  const operations = [...applied, ...skipped].sort((a, b) => a.height - b.height || a.position - b.position)
  return { did: view.fold.did, state: view.fold.state, operations }
}
