import type BetterSqlite3 from 'better-sqlite3'
import { DependencyMissingError } from '../../errors/dependency.js'
import { requirePeer } from './load.js'

/**
 * The `better-sqlite3` constructor, loaded on demand (an optional peer dependency), with its native
 * module known to load: better-sqlite3 itself loads the addon only when a database is opened, so a
 * package installed with install scripts skipped would fail there with a bindings dump that reads
 * like a storage outage. One in-memory open (microseconds) tells the two apart.
 * @throws DependencyMissingError when better-sqlite3 is not installed or its native module does not load.
 */
export function betterSqlite3(): typeof BetterSqlite3 {
  const Database = requirePeer<typeof BetterSqlite3>('better-sqlite3')
  try {
    new Database(':memory:').close()
  } catch (cause) {
    throw new DependencyMissingError(
      'better-sqlite3',
      'better-sqlite3 is installed but its native module does not load (were install scripts skipped, or Node.js changed since it was built?): npm rebuild better-sqlite3',
      { cause },
    )
  }
  return Database
}
