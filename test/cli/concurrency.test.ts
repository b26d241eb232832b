import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchorDids, runCli } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-concurrency-test-'))
const home = join(dir, 'home')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const f = (name: string) => join(dir, name)
const cli = (args: string[], env: Record<string, string> = {}) => runCli(home, dir, args, { env })

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const run = await cli(args, env)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, args.join(' ')).toBe(0)
  return run.stdout
}

/** What the home recorded as issued, per subject. */
function recorded(): Map<string, string[]> {
  const db = new Database(join(home, 'cli.db'), { readonly: true })
  try {
    const out = new Map<string, string[]>()
    for (const { subject, jwt } of db.prepare("SELECT subject, jwt FROM issued WHERE role = 'user'").all() as {
      subject: string
      jwt: string
    }[]) {
      out.set(subject, [...(out.get(subject) ?? []), jwt])
    }
    return out
  } finally {
    db.close()
  }
}

describe('one writer at a time per home', { timeout: 300_000 }, () => {
  let utility: string
  let users: string[]
  beforeAll(async () => {
    await ok(['key', 'generate', '--out', f('utility.key')])
    await ok(['key', 'generate', '--out', f('utility-recovery.key')])
    utility = await ok(['did', 'create', '--network', 'sgcc', '--key', f('utility.key'), '--recovery-key', f('utility-recovery.key')])
    await ok(['trust', 'init', '--utility', utility, '--key', f('utility.key')])
    users = await anchorDids(home, 40)
    const rows = users.map((u, i) => `${u},33010700${String(i).padStart(4, '0')},M-${i},380V,100,330106`)
    writeFileSync(f('users.csv'), ['subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region', ...rows].join('\n'))
  }, 300_000)

  it('two issue-batch runs at once on one home and CSV: every subject gets exactly one credential, and revoking it leaves none valid', async () => {
    const batch = [
      '--json',
      'vc',
      'issue-batch',
      '--issuer',
      utility,
      '--key',
      f('utility.key'),
      '--role',
      'user',
      '--csv',
      f('users.csv'),
      '--out',
      f('out'),
    ]
    // Two real processes started together; the second waits for the first's lock (up to 600 s).
    const [a, b] = await Promise.all([cli(batch, { GRID_DID_LOCK_WAIT: '600' }), cli(batch, { GRID_DID_LOCK_WAIT: '600' })])
    for (const run of [a, b]) {
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
    }
    const [sa, sb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)]
    expect(sa.issued + sb.issued).toBe(users.length)
    expect(sa.skipped + sb.skipped).toBe(users.length)
    const records = recorded()
    expect([...records.keys()].sort()).toEqual([...users].sort())
    for (const [subject, jwts] of records) expect(jwts, subject).toHaveLength(1)
    // Every output file holds that one credential.
    expect(readdirSync(f('out'))).toHaveLength(users.length)
    for (const u of users)
      expect(readFileSync(join(f('out'), `user-${u.slice('did:grid:'.length).replaceAll(':', '_')}.jwt`), 'utf8')).toBe(
        `${records.get(u)![0]}\n`,
      )
    // Revoking the subject's credential leaves it nothing valid.
    const [jwt] = records.get(users[0]!)!
    expect(await ok(['vc', 'verify', jwt!])).toMatch(/^verified: user credential/)
    expect(await ok(['vc', 'revoke', jwt!, '--issuer', utility, '--key', f('utility.key')])).toMatch(/^revoked urn:uuid:/)
    for (const credential of recorded().get(users[0]!)!) {
      const verify = await cli(['vc', 'verify', credential])
      expect(verify.code).toBe(1)
      expect(verify.stdout).toMatch(/status-revoked/)
    }
  })

  it('a writer that cannot get the lock in time fails with ERR_GRID_HOME_LOCKED and does nothing; readers are not held up', async () => {
    const holder = new Database(join(home, 'writer.lock'), { timeout: 0 })
    holder.exec('BEGIN EXCLUSIVE')
    try {
      writeFileSync(
        f('user.json'),
        JSON.stringify({
          accountNumber: '3301079999',
          meterIds: ['M-x'],
          voltageLevel: '380V',
          contractedCapacityKva: 100,
          region: '330106',
        }),
      )
      const issue = [
        'vc',
        'issue',
        '--issuer',
        utility,
        '--key',
        f('utility.key'),
        '--role',
        'user',
        '--subject',
        users[1]!,
        '--claims',
        f('user.json'),
      ]
      const before = recorded().get(users[1]!)
      const locked = await cli(issue, { GRID_DID_LOCK_WAIT: '0' })
      expect(locked.code).toBe(1)
      expect(locked.stdout).toBe('')
      expect(locked.stderr).toBe(
        `grid-did: the home ${home} is in use by another grid-did command that writes to it (waited 0 s; $GRID_DID_LOCK_WAIT sets how long); run this one again when it has finished (ERR_GRID_HOME_LOCKED)`,
      )
      expect(recorded().get(users[1]!)).toEqual(before)
      expect(JSON.parse(await ok(['--json', 'resolve', utility])).didDocument.id).toBe(utility)
      const bad = await cli(issue, { GRID_DID_LOCK_WAIT: 'soon' })
      expect(bad.code).toBe(2)
      expect(bad.stderr).toBe('grid-did: $GRID_DID_LOCK_WAIT must be a number of seconds from 0 to 86400, got "soon"')
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
  })

  it('a writer killed while it holds the lock leaves no stale lock behind', async () => {
    // A process holding the lock exactly as a writer does, then killed with SIGKILL (no finally runs).
    const script = `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}); const db = new D(${JSON.stringify(join(home, 'writer.lock'))}, { timeout: 0 }); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => c.toString().includes('locked') && resolve())
      child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)))
    })
    const held = await cli(['vc', 'revoke', 'a.b.c', '--issuer', utility, '--key', f('utility.key')], { GRID_DID_LOCK_WAIT: '0' })
    expect(held.stderr).toMatch(/\(ERR_GRID_HOME_LOCKED\)$/)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const after = await cli(['vc', 'revoke', 'a.b.c', '--issuer', utility, '--key', f('utility.key')], { GRID_DID_LOCK_WAIT: '0' })
    expect(after.code).toBe(1)
    expect(after.stderr).toBe(`grid-did: not a credential ${utility} issued from this home`)
  })
})
