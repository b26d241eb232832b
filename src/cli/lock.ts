import { join } from 'node:path'
import { betterSqlite3 } from '../ledger/peers/better-sqlite3.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { HomeLockedError, UsageError } from './errors.js'

/** The home's writer lock, held until {@link HomeLock.release}. */
export interface HomeLock {
  release(): void
}

/** How long a writer waits for the lock by default, in seconds ($GRID_DID_LOCK_WAIT overrides). */
const DEFAULT_WAIT_S = 60

/** `$GRID_DID_LOCK_WAIT`: seconds a writer waits for the home's lock (0 = not at all). */
export function lockWaitMs(env = process.env.GRID_DID_LOCK_WAIT): number {
  if (env === undefined || env === '') return DEFAULT_WAIT_S * 1000
  const seconds = Number(env)
  if (!/^\d+(\.\d+)?$/.test(env) || !Number.isFinite(seconds) || seconds > 86_400)
    throw new UsageError(`$GRID_DID_LOCK_WAIT must be a number of seconds from 0 to 86400, got "${env}"`)
  return seconds * 1000
}

/**
 * Takes the writer lock of the home in `dir`: one command that writes the home (anchors, issues,
 * records) at a time, so that "is this subject issued yet?" and "issue and record it" happen with no
 * other writer in between. Two `vc issue-batch` runs on one home therefore never issue a subject
 * twice: the second waits, then skips what the first issued.
 *
 * The lock is an exclusive SQLite transaction on `writer.lock`, i.e. an OS file lock (fcntl on
 * POSIX, LockFileEx on Windows): the kernel releases it when the process ends, however it ends, so
 * there is no stale lock to detect and no pid to misjudge. Readers never take it. It waits up to
 * `waitMs`, then throws {@link HomeLockedError}. Like SQLite itself, it needs a file system with
 * working locks (not every network file system has them).
 */
export async function lockHome(dir: string, waitMs: number, onWait?: () => void): Promise<HomeLock> {
  const db = new (betterSqlite3())(join(dir, 'writer.lock'), { timeout: 0 })
  try {
    const deadline = Date.now() + waitMs
    for (let waited = false; ; waited = true) {
      try {
        db.exec('BEGIN EXCLUSIVE')
        break
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err
        const left = deadline - Date.now()
        if (left <= 0) throw new HomeLockedError(dir, waitMs)
        if (!waited) onWait?.()
        await sleep(Math.min(100, left))
      }
    }
  } catch (err) {
    db.close()
    throw err
  }
  return {
    release: () => {
      try {
        db.exec('ROLLBACK')
      } finally {
        db.close()
      }
    },
  }
}
