import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchorDids, runCli } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-batch-output-test-'))
const home = join(dir, 'home')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const f = (name: string) => join(dir, name)
const cli = (args: string[]) => runCli(home, dir, args)

async function ok(args: string[]): Promise<string> {
  const run = await cli(args)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, args.join(' ')).toBe(0)
  return run.stdout
}

/** Status indexes the home has allocated. */
function indexes(): number {
  // The issuer's records are made by the first command that issues: none yet is none allocated.
  if (!existsSync(join(home, 'cli.db'))) return 0
  const db = new Database(join(home, 'cli.db'), { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM status_index').get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe('vc issue-batch: batch-wide checks and output names', { timeout: 300_000 }, () => {
  let utility: string
  let subjects: string[]
  const batch = (role: string, csv: string, ...extra: string[]) =>
    cli([
      '--json',
      'vc',
      'issue-batch',
      '--issuer',
      utility,
      '--key',
      f('utility.key'),
      '--role',
      role,
      '--csv',
      f(csv),
      '--out',
      f('out'),
      ...extra,
    ])
  const fileOf = (role: string, subject: string) => join(f('out'), `${role}-${subject.slice('did:grid:'.length).replaceAll(':', '_')}.jwt`)

  beforeAll(async () => {
    await ok(['key', 'generate', '--out', f('utility.key')])
    await ok(['key', 'generate', '--out', f('utility-recovery.key')])
    utility = (
      await ok(['did', 'create', '--network', 'sgcc', '--key', f('utility.key'), '--recovery-key', f('utility-recovery.key')])
    ).trim()
    await ok(['trust', 'init', '--utility', utility, '--key', f('utility.key')])
    subjects = await anchorDids(home, 3)
    const users = subjects.map((s, i) => `${s},33010700${String(i).padStart(4, '0')},M-${i},380V,100,330106`)
    writeFileSync(f('users.csv'), ['subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region', ...users].join('\n'))
    writeFileSync(f('bases.csv'), `subject,groupId,baseId,region,maxLoadKw,priorityClass\n${subjects[0]},acme,acme-1,330200,1000,2\n`)
  }, 300_000)

  it('an --expires in the past is one usage error for the run: exit 2, nothing issued, no status index allocated', async () => {
    const before = indexes()
    const run = await batch('user', 'users.csv', '--expires', '2020-01-01')
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    // `batch` runs with --json: the error is one JSON object on stderr.
    expect(JSON.parse(run.stderr)).toEqual({
      error: { code: 'ERR_GRID_USAGE', message: '--expires must be in the future, got "2020-01-01"' },
    })
    expect(indexes()).toBe(before)
    expect(readdirSync(dir)).not.toContain('out')
  })

  it('two roles for one subject into one directory get two files; a re-run repairs each from the home records', async () => {
    const users = await batch('user', 'users.csv')
    expect([users.code, JSON.parse(users.stdout)]).toEqual([0, { issued: 3, skipped: 0, failed: [] }])
    const userFile = fileOf('user', subjects[0]!)
    const userJwt = readFileSync(userFile, 'utf8')
    const bases = await batch('production-base', 'bases.csv')
    expect([bases.code, JSON.parse(bases.stdout)]).toEqual([0, { issued: 1, skipped: 0, failed: [] }])
    const baseFile = fileOf('production-base', subjects[0]!)
    expect(readdirSync(f('out')).sort()).toEqual(
      [...subjects.map((s) => fileOf('user', s)), baseFile].map((p) => p.slice(f('out').length + 1)).sort(),
    )
    expect(readFileSync(userFile, 'utf8')).toBe(userJwt) // the user's credential is intact
    expect(await ok(['vc', 'verify', `@${userFile}`])).toMatch(/^verified: user credential urn:uuid:/)
    expect(await ok(['vc', 'verify', `@${baseFile}`])).toMatch(/^verified: production-base credential urn:uuid:/)
    // Re-runs: each role's files are compared with that role's records and repaired, none replaced by the other.
    const baseJwt = readFileSync(baseFile, 'utf8')
    rmSync(userFile)
    writeFileSync(baseFile, '')
    expect(JSON.parse((await batch('user', 'users.csv')).stdout)).toEqual({ issued: 0, skipped: 3, failed: [] })
    expect(JSON.parse((await batch('production-base', 'bases.csv')).stdout)).toEqual({ issued: 0, skipped: 1, failed: [] })
    expect([readFileSync(userFile, 'utf8'), readFileSync(baseFile, 'utf8')]).toEqual([userJwt, baseJwt])
  })
})
