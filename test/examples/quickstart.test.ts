import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SqliteLedger } from '../../src/ledger/sqlite.js'

// `npm run demo:quickstart` runs this example; this test runs it the same way (tsx) and checks
// what it reports against the store it leaves behind.
describe('examples/quickstart.ts (npm run demo:quickstart)', () => {
  it('walks the whole life cycle on the embedded ledger and reports it truthfully', async () => {
    const root = join(import.meta.dirname, '..', '..')
    const dir = mkdtempSync(join(tmpdir(), 'grid-did-demo-test-'))
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'examples', 'quickstart.ts'), dir], {
        cwd: root,
        encoding: 'utf8',
      })
      const did = /DID\s+(did:grid:sgcc:[a-z2-7]{52})/.exec(out)?.[1]
      expect(did).toBeDefined()
      expect(out).toMatch(/services at v1\s+\[\]/)
      expect(out).toMatch(/after theft\s+\["key-2","evil"\]/)
      expect(out).toMatch(/after recovery\s+\["key-1"\]/)
      expect(out).toMatch(/deactivated\s+true/)
      expect(out).toMatch(/service=dr\+relativeRef https:\/\/dr\.sgcc\.example\/api\/bids\/2026-11-21/)
      const historyLines = out.split('\n').filter((l) => /^\s+h\d+\s+p\d/.test(l))
      expect(historyLines.map((l) => l.trim().split(/\s+/).slice(2).join(' '))).toEqual([
        'create applied v1',
        'update applied v2',
        'update applied v3',
        'update skipped unauthorized',
        'update applied v4',
        'recover applied v5',
        'update skipped unauthorized',
        'deactivate applied v6',
      ])
      // The store it printed is real and consistent.
      const ledger = new SqliteLedger(join(dir, 'ledger.db'))
      expect(await ledger.verifyIntegrity()).toEqual({ batches: 7, operations: 8 })
      expect(await ledger.read(did!.split(':')[3]!)).toHaveLength(8)
      await ledger.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
