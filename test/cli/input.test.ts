import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type Run } from './run-cli.js'

// The CLI's own input and home handling, through the built binary: concurrent first writes, read
// commands that leave the home alone, `trust init` on an existing registry, strict numbers and
// dates, and control characters echoed from outside input.

const dir = mkdtempSync(join(tmpdir(), 'grid-did-input-test-'))
const home = join(dir, 'home')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const f = (name: string) => join(dir, name)
const cli = (args: string[], on = home) => runCli(on, dir, args)

async function ok(args: string[], on = home): Promise<string> {
  const run = await cli(args, on)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, args.join(' ')).toBe(0)
  return run.stdout
}

/** Exit 2, nothing on stdout, one line on stderr. */
function usage(run: Run, message: string): void {
  expect(run.stdout).toBe('')
  expect(run.stderr).toBe(`grid-did: ${message}`)
  expect(run.code).toBe(2)
}

/** Every file of the home with its size and modification time (the directory's own mtime aside). */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => {
        const s = statSync(join(dir, name))
        return [name, `${s.size} ${s.mtimeMs}`]
      }),
  )
}

describe('CLI input and home handling', { timeout: 300_000 }, () => {
  let utility: string
  let user: string
  let hq: string
  beforeAll(async () => {
    for (const k of ['util', 'util-rec', 'user', 'user-rec', 'hq', 'hq-rec']) await ok(['key', 'generate', '--out', f(`${k}.key`)])
    utility = await ok(['did', 'create', '--network', 'sgcc', '--key', f('util.key'), '--recovery-key', f('util-rec.key')])
    user = await ok(['did', 'create', '--network', 'sgcc', '--key', f('user.key'), '--recovery-key', f('user-rec.key')])
    hq = await ok(['did', 'create', '--network', 'sgcc', '--key', f('hq.key'), '--recovery-key', f('hq-rec.key')])
    await ok(['trust', 'init', '--utility', utility, '--key', f('util.key')])
    writeFileSync(
      f('user.json'),
      JSON.stringify({
        accountNumber: '3301060001',
        meterIds: ['M-1'],
        voltageLevel: '10kV',
        contractedCapacityKva: 800,
        region: '330106',
      }),
    )
    writeFileSync(
      f('base.json'),
      JSON.stringify({ groupId: 'acme', baseId: 'acme-1', region: '330200', maxLoadKw: 1000, priorityClass: 2 }),
    )
  }, 300_000)

  it('write commands started at once on a home that does not exist yet all succeed (the lock is taken before the stores are made)', async () => {
    // Four real processes per fresh home, three homes: each creates the home, ledger.db and cli.db.
    for (let round = 0; round < 3; round++) {
      const fresh = join(dir, `fresh-${round}`)
      const runs = await Promise.all(
        ['util', 'user', 'hq', 'util'].map((k) =>
          cli(['did', 'create', '--network', 'sgcc', '--key', f(`${k}.key`), '--recovery-key', f(`${k}-rec.key`)], fresh),
        ),
      )
      for (const run of runs) {
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expect(run.stdout).toMatch(/^did:grid:sgcc:[a-z2-7]{52}$/)
      }
      // Every DID resolves from the home they shared.
      for (const run of runs) expect(JSON.parse(await ok(['--json', 'resolve', run.stdout], fresh)).didDocument.id).toBe(run.stdout)
    }
  })

  it('a read-only command creates and changes no file in the home', async () => {
    // A home without cli.db (nothing was issued from it yet): reading must not make one.
    for (const name of ['cli.db', 'cli.db-wal', 'cli.db-shm']) rmSync(join(home, name), { force: true })
    const before = snapshot(home)
    await ok(['resolve', user])
    await ok(['resolve', `${utility}/resources/trust-registry`])
    await ok(['did', 'history', user])
    expect((await cli(['vc', 'verify', 'a.b.c'])).code).toBe(1)
    expect(
      (await cli(['role', 'check', 'a.b.c', '--role', 'user', '--action', 'response.bid', '--audience', 'dr', '--challenge', 'e1'])).code,
    ).toBe(1)
    expect(snapshot(home)).toEqual(before)
    expect(existsSync(join(home, 'cli.db'))).toBe(false)
  })

  it('trust init on a utility that has a trust registry is refused (ERR_GRID_TRUST_REGISTRY_EXISTS) and keeps the issuers trust add added; --force replaces it', async () => {
    await ok(['trust', 'add', '--key', f('util.key'), '--role', 'production-base', '--issuer', hq])
    const jwt = await ok([
      'vc',
      'issue',
      '--issuer',
      hq,
      '--key',
      f('hq.key'),
      '--role',
      'production-base',
      '--subject',
      user,
      '--claims',
      f('base.json'),
      '--expires',
      '2099-12-31',
    ])
    expect(await ok(['vc', 'verify', jwt])).toMatch(/^verified: production-base credential/)
    const again = await cli(['trust', 'init', '--utility', utility, '--key', f('util.key')])
    expect(again.stdout).toBe('')
    expect(again.stderr).toBe(
      `grid-did: ${utility}/resources/trust-registry already exists; "trust init" would replace it with one naming only the utility, dropping the issuers "trust add" added (use "trust add" to change it, or "trust init --force" to replace it) (ERR_GRID_TRUST_REGISTRY_EXISTS)`,
    )
    expect(again.code).toBe(1)
    // Nothing was anchored: the credential of the issuer trust add trusted still verifies.
    expect(await ok(['vc', 'verify', jwt])).toMatch(/^verified: production-base credential/)
    // --force is the deliberate reset it names: the registry names only the utility again.
    await ok(['trust', 'init', '--utility', utility, '--key', f('util.key'), '--force'])
    const after = await cli(['vc', 'verify', jwt])
    expect(after.code).toBe(1)
    expect(after.stdout).toMatch(/issuer-untrusted/)
  })

  it('numeric flags are plain decimals: empty, blank, hex, exponent, signed or infinite values are usage errors naming the flag', async () => {
    const check = (kw: string) =>
      cli([
        'role',
        'check',
        'a.b.c',
        '--role',
        'user',
        '--action',
        'response.bid',
        '--audience',
        'dr',
        '--challenge',
        'e1',
        '--capacity-kw',
        kw,
      ])
    for (const bad of ['', ' ', '0x1f4', '1e3', '-5', '+5', 'Infinity', '5 ', '1.', '.5', '5kW']) {
      usage(await check(bad), `--capacity-kw must be a decimal number from 0, got "${bad}"`)
    }
    // A plain decimal goes on to the check itself (denied here: the presentation is junk).
    for (const good of ['0', '150', '150.5']) expect((await check(good)).code).toBe(1)
    const mandate = (maxKw: string) =>
      cli([
        'vc',
        'mandate',
        '--user',
        user,
        '--key',
        f('user.key'),
        '--aggregator',
        hq,
        '--actions',
        'response.bid',
        '--max-kw',
        maxKw,
        '--until',
        '2099-06-30',
      ])
    for (const bad of ['', '0', '1e3', '0x10', ' 10']) usage(await mandate(bad), `--max-kw must be a decimal number above 0, got "${bad}"`)
    expect(
      await ok([
        '--json',
        'vc',
        'mandate',
        '--user',
        user,
        '--key',
        f('user.key'),
        '--aggregator',
        hq,
        '--actions',
        'response.bid',
        '--max-kw',
        '12.5',
        '--until',
        '2099-06-30',
      ]),
    ).toMatch(/"jwt"/)
    usage(await cli(['serve', '--port', '']), '--port must be an integer from 0 to 65535, got ""')
    usage(await cli(['serve', '--port', '8e3']), '--port must be an integer from 0 to 65535, got "8e3"')
    usage(await cli(['serve', '--port', '0', '--sync-interval', '0x20']), '--sync-interval must be an integer from 10, got "0x20"')
  })

  it('impossible calendar dates and times are usage errors naming the flag, never rolled over', async () => {
    const mandate = (until: string) =>
      cli([
        'vc',
        'mandate',
        '--user',
        user,
        '--key',
        f('user.key'),
        '--aggregator',
        hq,
        '--actions',
        'response.bid',
        '--max-kw',
        '10',
        '--until',
        until,
      ])
    for (const bad of [
      '2027-02-30',
      '2027-02-29',
      '2027-04-31',
      '2027-13-01',
      '2027-00-10',
      '2027-01-00',
      '2027-06-30T24:00:00Z',
      '2027-06-30T12:60Z',
      '2027-06-30T12:00:60Z',
      '2027-06-30T12:00:00+24:00',
    ]) {
      usage(await mandate(bad), `--until is not a valid date or time: "${bad}"`)
    }
    usage(await mandate('2027-6-30'), '--until must be an ISO 8601 date or date and time with Z or an offset, got "2027-6-30"')
    const issue = await cli([
      'vc',
      'issue',
      '--issuer',
      utility,
      '--key',
      f('util.key'),
      '--role',
      'user',
      '--subject',
      user,
      '--claims',
      f('user.json'),
      '--expires',
      '2099-02-29',
    ])
    usage(issue, '--expires is not a valid date or time: "2099-02-29"')
    usage(await cli(['vc', 'verify', 'a.b.c', '--at', '2027-09-31T08:00:00Z']), '--at is not a valid date or time: "2027-09-31T08:00:00Z"')
    // Real dates pass, leap days and offsets included, and mean what they say.
    const jwt = JSON.parse(
      await ok([
        '--json',
        'vc',
        'mandate',
        '--user',
        user,
        '--key',
        f('user.key'),
        '--aggregator',
        hq,
        '--actions',
        'response.bid',
        '--max-kw',
        '10',
        '--until',
        '2096-02-29',
      ]),
    ).jwt as string
    const exp = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).exp as number
    expect(new Date(exp * 1000).toISOString()).toBe('2096-02-29T00:00:00.000Z')
    expect((await cli(['vc', 'verify', 'a.b.c', '--at', '2028-02-29T23:59:59+05:30'])).code).toBe(1)
  })

  it('control and bidi characters from input are escaped in text output and error messages', async () => {
    const header = 'subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region'
    writeFileSync(
      f('esc.csv'),
      `${header}\ndid:grid:\u001b[2J\u001b[31mPWNED:x,3301,M-1,10kV,800,330106\ndid:grid:\u202eevil\u0085:x,3301,M-1,10kV,800,330106\n`,
    )
    const batch = await cli([
      'vc',
      'issue-batch',
      '--issuer',
      utility,
      '--key',
      f('util.key'),
      '--role',
      'user',
      '--csv',
      f('esc.csv'),
      '--out',
      f('esc-out'),
    ])
    expect(batch.code).toBe(1)
    expect(batch.stderr).toBe('')
    const lines = batch.stdout.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[1]).toContain('got "\\u001b[2J\\u001b[31mPWNED"')
    expect(lines[1]).toMatch(/\(ERR_GRID_INVALID_DID\)$/)
    expect(lines[2]).toContain('\\u202eevil\\u0085')
    expect(batch.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
    // --json stays JSON: the cell comes back as it was.
    const json = JSON.parse(
      (
        await cli([
          '--json',
          'vc',
          'issue-batch',
          '--issuer',
          utility,
          '--key',
          f('util.key'),
          '--role',
          'user',
          '--csv',
          f('esc.csv'),
          '--out',
          f('esc-out'),
        ])
      ).stdout,
    )
    expect(json.failed[0].reason).toContain('"\u001b[2J\u001b[31mPWNED"')
    // An error message that echoes an argument: one line, escaped.
    const resolve = await cli(['resolve', 'did:grid:\u001b[31mx\ny:abc'])
    expect(resolve.code).toBe(1)
    expect(resolve.stderr).not.toMatch(/[\u0000-\u001f]/)
    expect(resolve.stderr).toMatch(/^grid-did: .*\\u001b\[31mx\\u000ay.*\(ERR_GRID_INVALID_DID\)$/)
  })
})
