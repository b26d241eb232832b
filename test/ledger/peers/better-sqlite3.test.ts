import { describe, expect, it } from 'vitest'
import { betterSqlite3 } from '../../../src/ledger/peers/better-sqlite3.js'

// Not installed, and installed without its native build: test/package/install.test.ts, in a scratch install.
describe('betterSqlite3', () => {
  it('returns the constructor, its native module loaded', () => {
    const Database = betterSqlite3()
    const db = new Database(':memory:')
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 })
    db.close()
  })
})
