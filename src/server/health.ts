import type { SyncStatus } from '../ledger/chain-index.js'
import { messageOf } from '../lib/message.js'
import type { GridResolver } from '../resolver/resolver.js'
import { json, type Answer } from './answer.js'

/** A network's chain index status, when its ledger follows a chain (`ChainIndex.syncStatus`); undefined otherwise. */
export type SyncStatusOf = (network: string) => SyncStatus | undefined

/**
 * `GET /health` (readiness): per network the finalized height, the indexed height, the lag and the
 * last successful sync (ISO time). 503 `degraded` when a ledger cannot be read, its index's last
 * sync failed, or the index lags beyond its bound; resolution then answers `internalError` too.
 * @example `await health(resolver, (n) => index.syncStatus())`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export async function health(resolver: GridResolver, syncStatus: SyncStatusOf | undefined): Promise<Answer> {
  const networks: Record<string, unknown> = {}
  let ok = true
  for (const name of resolver.networks) {
    const sync = syncStatus?.(name)
    if (sync) {
      const healthy = sync.fresh && sync.error === undefined
      ok &&= healthy
      networks[name] = {
        status: healthy ? 'ok' : 'degraded',
        finalizedHeight: sync.finalizedHeight,
        indexedHeight: sync.indexedHeight,
        lag: sync.lag,
        lastSync: sync.lastSync === undefined ? null : new Date(sync.lastSync).toISOString(),
        ...(sync.error === undefined ? {} : { error: messageOf(sync.error), code: codeOf(sync.error) }),
      }
      continue
    }
    try {
      const head = await resolver.head(name)
      // A ledger read directly (embedded, or a chain without an index) is never behind itself.
      networks[name] = {
        status: 'ok',
        finalizedHeight: head.finalizedHeight,
        indexedHeight: head.finalizedHeight,
        lag: 0,
        height: head.height,
        time: head.time,
      }
    } catch (err) {
      ok = false
      networks[name] = { status: 'degraded', error: messageOf(err), code: codeOf(err) }
    }
  }
  return json({ status: ok ? 'ok' : 'degraded', networks }, ok ? 200 : 503)
}

/** `GET /livez` (liveness): 200 while the process answers at all, whatever its ledgers do. */
export function liveness(): Answer {
  return json({ status: 'ok' })
}

function codeOf(err: unknown): string {
  return String((err as { code?: unknown } | null)?.code ?? 'ERR_UNKNOWN')
}
