import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GridResolver } from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'

describe('examples/roles.ts (npm run demo:roles)', () => {
  it('issues, mandates, checks roles and revokes on the embedded ledger, and reports each decision', async () => {
    const root = join(import.meta.dirname, '..', '..')
    const dir = mkdtempSync(join(tmpdir(), 'grid-did-roles-test-'))
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'examples', 'roles.ts'), dir], {
        cwd: root,
        encoding: 'utf8',
      })
      const decisions = out
        .split('\n')
        .filter((l) => /ALLOWED|DENIED/.test(l))
        .map((l) => l.replace(/\s+/g, ' ').trim())
      expect(decisions).toEqual([
        'user bids 300 kW for itself ALLOWED',
        'aggregator bids 150 kW for user ALLOWED',
        'aggregator bids 250 kW for user DENIED mandate-capacity',
        'aggregator without the mandate DENIED mandate-missing',
        'user bids after revocation DENIED status-revoked',
      ])
      // The registry it printed is really anchored in the store it leaves behind.
      const url = /trust registry\s+(\S+)/.exec(out)![1]!
      const ledger = new SqliteLedger(join(dir, 'ledger.db'))
      const { version } = await new GridResolver({ networks: { sgcc: ledger } }).resolveResource(url)
      expect(version.resourceType).toBe('GridTrustRegistry')
      await ledger.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
