import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resolver, type DIDResolutionResult } from 'did-resolver'
import { verifyCredential as didJwtVcVerifyCredential } from 'did-jwt-vc'
import { base32 } from 'multiformats/bases/base32'
import { afterAll, describe, expect, it } from 'vitest'
import { anchorDids } from './run-cli.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'dist', 'cli', 'bin.js')
const dir = mkdtempSync(join(tmpdir(), 'grid-did-cli-test-'))
const home = join(dir, 'home')
const PASS = 'correct horse battery staple'
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built binary (as `npm i -g` would) in the temporary home. */
function cli(args: string[], options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, '--home', home, ...args],
      { cwd: dir, env: { ...process.env, GRID_DID_PASSPHRASE: PASS, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
    )
    if (options.input !== undefined) child.stdin!.end(options.input)
  })
}

async function ok(args: string[], options?: Parameters<typeof cli>[1]): Promise<string> {
  const run = await cli(args, options)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

const f = (name: string) => join(dir, name)
const randomDid = () => `did:grid:sgcc:${base32.baseEncode(randomBytes(32))}`

describe('the grid-did CLI, built, through a whole story', { timeout: 300_000 }, () => {
  const keys = [
    'utility',
    'utility-recovery',
    'user',
    'user-recovery',
    'agg',
    'agg-recovery',
    'base',
    'base-recovery',
    'utility-2',
    'new-recovery',
  ]
  const d: Record<string, string> = {}
  const jwt: Record<string, string> = {}

  it('keys: encrypted at rest, never printed; a wrong passphrase is one clear line', async () => {
    // scrypt (N = 2^17) dominates: the keys are made two at a time.
    for (let i = 0; i < keys.length; i += 2) {
      for (const out of await Promise.all(keys.slice(i, i + 2).map((k) => ok(['key', 'generate', '--out', f(`${k}.key`)]))))
        expect(out).toMatch(/^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/)
    }
    const file = readFileSync(f('utility.key'), 'utf8')
    expect(JSON.parse(file)).toMatchObject({ type: 'grid-did-keystore', kdf: { name: 'scrypt' }, cipher: { name: 'aes-256-gcm' } })
    expect(file).not.toMatch(/"(secret|seed|privateKey)/)
    expect(statSync(f('utility.key')).mode & 0o077).toBe(0)
    const again = await cli(['key', 'generate', '--out', f('utility.key')])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe(`grid-did: ${f('utility.key')} exists; pass --force to overwrite it`)
    const wrong = await cli(
      ['did', 'create', '--network', 'sgcc', '--key', f('utility.key'), '--recovery-key', f('utility-recovery.key')],
      { env: { GRID_DID_PASSPHRASE: 'not the passphrase' } },
    )
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toBe(`grid-did: cannot unlock ${f('utility.key')}: wrong passphrase or damaged keystore`)
    const none = await cli(['key', 'generate', '--out', f('x.key')], { env: { GRID_DID_PASSPHRASE: undefined } })
    expect(none.code).toBe(1)
    expect(none.stderr).toBe(
      'grid-did: no passphrase: pass --passphrase-file FILE, set $GRID_DID_PASSPHRASE_FILE or $GRID_DID_PASSPHRASE, or run interactively',
    )
  })

  it('DIDs for the utility, a user, an aggregator and a production base; schemas and trust registry', async () => {
    for (const [name, rec] of [
      ['utility', 'utility-recovery'],
      ['user', 'user-recovery'],
      ['agg', 'agg-recovery'],
      ['base', 'base-recovery'],
    ]) {
      const extra = name === 'utility' ? ['--service', 'dr,DemandResponse,https://dr.sgcc.example/api/'] : []
      d[name] = await ok(['did', 'create', '--network', 'sgcc', '--key', f(`${name}.key`), '--recovery-key', f(`${rec}.key`), ...extra])
      expect(d[name]).toMatch(/^did:grid:sgcc:[a-z2-7]{51}[aq]$/)
    }
    expect(await ok(['trust', 'init', '--utility', d.utility!, '--key', f('utility.key')])).toBe(`${d.utility}/resources/trust-registry`)
    const resolved = JSON.parse(await ok(['--json', 'resolve', d.utility!]))
    expect(resolved.didDocument.service[0].serviceEndpoint).toBe('https://dr.sgcc.example/api/')
    const schema = JSON.parse(await ok(['resolve', `${d.utility}/resources/schema-user-v2`]))
    expect(schema.contentStream.required).toContain('accountNumber')
  })

  it('issues all three roles, verifies them, and refuses bad claims with the schema path', async () => {
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
      f('agg.json'),
      JSON.stringify({
        organizationName: 'Zhejiang Load Aggregation Co.',
        unifiedSocialCreditCode: '91350100M000100Y43',
        licensedRegions: ['330106'],
        maxAggregatedCapacityKw: 50000,
      }),
    )
    writeFileSync(
      f('base.json'),
      JSON.stringify({ groupId: 'acme', baseId: 'acme-ningbo-1', region: '330200', maxLoadKw: 12000, priorityClass: 2 }),
    )
    for (const [name, role] of [
      ['user', 'user'],
      ['agg', 'aggregator'],
      ['base', 'production-base'],
    ]) {
      jwt[name] = await ok([
        'vc',
        'issue',
        '--issuer',
        d.utility!,
        '--key',
        f('utility.key'),
        '--role',
        role!,
        '--subject',
        d[name!]!,
        '--claims',
        f(`${name}.json`),
      ])
      writeFileSync(f(`${name}.jwt`), jwt[name]!)
      expect(await ok(['vc', 'verify', `@${f(`${name}.jwt`)}`])).toMatch(new RegExp(`^verified: ${role} credential urn:uuid:`))
    }
    // A credential only for a subject anchored now: a well-formed DID nobody created gets none.
    const never = randomDid()
    const unanchored = await cli([
      'vc',
      'issue',
      '--issuer',
      d.utility!,
      '--key',
      f('utility.key'),
      '--role',
      'user',
      '--subject',
      never,
      '--claims',
      f('user.json'),
    ])
    expect(unanchored.code).toBe(1)
    expect(unanchored.stdout).toBe('')
    expect(unanchored.stderr).toBe(`grid-did: ${never} was not found on the ledger (ERR_GRID_DID_NOT_FOUND)`)
    const didKey = await cli([
      'vc',
      'issue',
      '--issuer',
      d.utility!,
      '--key',
      f('utility.key'),
      '--role',
      'user',
      '--subject',
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      '--claims',
      f('user.json'),
    ])
    expect(didKey.code).toBe(1)
    expect(didKey.stderr).toMatch(/^grid-did: .*did:grid.* \(ERR_GRID_INVALID_DID\)$/)
    writeFileSync(
      f('bad.json'),
      JSON.stringify({
        organizationName: 'X',
        unifiedSocialCreditCode: '91350100M000100Y44',
        licensedRegions: ['330106'],
        maxAggregatedCapacityKw: 5,
      }),
    )
    const bad = await cli([
      'vc',
      'issue',
      '--issuer',
      d.utility!,
      '--key',
      f('utility.key'),
      '--role',
      'aggregator',
      '--subject',
      d.agg!,
      '--claims',
      f('bad.json'),
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(
      'grid-did: aggregator claims do not match the schema: /unifiedSocialCreditCode: must match format "unified-social-credit-code" (ERR_GRID_INVALID_CLAIMS)',
    )
    const usage = await cli([
      'vc',
      'issue',
      '--issuer',
      d.utility!,
      '--key',
      f('utility.key'),
      '--role',
      'boss',
      '--subject',
      d.agg!,
      '--claims',
      f('bad.json'),
    ])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toBe('grid-did: --role must be one of user, aggregator, production-base, got "boss"')
    // stdin works as a JWT argument too.
    expect(await ok(['vc', 'verify', '-'], { input: jwt.user! })).toMatch(/^verified: user credential/)
  })

  it('bulk onboarding: 1,000 users from a CSV, per-row errors without stopping, and a re-run skips them', async () => {
    const header = 'subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region'
    const users = await anchorDids(home, 1_000) // only anchored subjects get credentials
    const rows = users.map(
      (subject, i) => `${subject},33010600${String(i).padStart(4, '0')},M-${i}-a;M-${i}-b,380V,${50 + (i % 200)},330106`,
    )
    const never = randomDid()
    rows.splice(
      10,
      0,
      'did:grid:bad,1234,M-1,380V,100,330106',
      `${randomDid()},12,M-1,380V,100,330106`,
      `${never},3301069999,M-1,380V,100,330106`,
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,3301069998,M-1,380V,100,330106',
    )
    writeFileSync(f('users.csv'), [header, ...rows].join('\n'))
    const first = await cli([
      '--json',
      'vc',
      'issue-batch',
      '--issuer',
      d.utility!,
      '--key',
      f('utility.key'),
      '--role',
      'user',
      '--csv',
      f('users.csv'),
      '--out',
      f('out'),
    ])
    expect(first.code).toBe(1) // some rows failed
    const summary = JSON.parse(first.stdout)
    expect(summary.issued).toBe(1_000)
    expect(summary.skipped).toBe(0)
    expect(summary.failed.map((x: { row: number }) => x.row)).toEqual([12, 13, 14, 15])
    expect(summary.failed[0]).toMatchObject({ reason: expect.stringMatching(/did:grid/), code: 'ERR_GRID_INVALID_DID' })
    expect(summary.failed[1].reason).toMatch(/\/accountNumber: must match pattern/)
    expect(summary.failed[2]).toEqual({
      row: 14,
      subject: never,
      reason: `${never} was not found on the ledger`,
      code: 'ERR_GRID_DID_NOT_FOUND',
    })
    expect(summary.failed[3]).toMatchObject({ row: 15, reason: expect.stringMatching(/did:grid/), code: 'ERR_GRID_INVALID_DID' })
    const files = readdirSync(f('out'))
    expect(files).toHaveLength(1_000)
    const sample = readFileSync(join(f('out'), files[0]!), 'utf8').trim()
    expect(await ok(['vc', 'verify', sample])).toMatch(/^verified: user credential/)
    const claims = JSON.parse(Buffer.from(sample.split('.')[1]!, 'base64url').toString()).vc.credentialSubject
    expect(claims.meterIds).toHaveLength(2)
    expect(typeof claims.contractedCapacityKva).toBe('number')
    // Re-run after losing one output file and damaging others (0 bytes, as a crash before the data
    // reached the disk leaves it; cut short; another credential): nothing is issued twice, and every
    // damaged file is written again from the home's records.
    const out = (i: number) => join(f('out'), files[i]!)
    const before = [5, 6, 7, 8].map((i) => readFileSync(out(i), 'utf8'))
    rmSync(out(5))
    writeFileSync(out(6), '')
    writeFileSync(out(7), before[2]!.slice(0, 40))
    writeFileSync(out(8), before[0]!)
    const second = JSON.parse(
      (
        await cli([
          '--json',
          'vc',
          'issue-batch',
          '--issuer',
          d.utility!,
          '--key',
          f('utility.key'),
          '--role',
          'user',
          '--csv',
          f('users.csv'),
          '--out',
          f('out'),
        ])
      ).stdout,
    )
    expect(second).toMatchObject({ issued: 0, skipped: 1_000 })
    expect([5, 6, 7, 8].map((i) => readFileSync(out(i), 'utf8'))).toEqual(before)
    expect(readdirSync(f('out'))).toHaveLength(1_000) // no temporary file left behind
  })

  it('a mandate, presentations and role checks: allowed (exit 0) and denied (exit 1) with reasons', async () => {
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
    jwt.mandate = await ok([
      'vc',
      'mandate',
      '--user',
      d.user!,
      '--key',
      f('user.key'),
      '--aggregator',
      d.agg!,
      '--actions',
      'response.bid,settlement.receive',
      '--max-kw',
      '200',
      '--until',
      until,
    ])
    const vp = (holder: string, creds: string[]) =>
      ok([
        'vp',
        'create',
        '--holder',
        d[holder]!,
        '--key',
        f(`${holder}.key`),
        ...creds.flatMap((c) => ['--credential', c]),
        '--audience',
        'dr-contract',
        '--challenge',
        'event-1',
      ])
    const check = (presentation: string, extra: string[]) =>
      cli(['role', 'check', presentation, '--audience', 'dr-contract', '--challenge', 'event-1', ...extra])
    const aggVp = await vp('agg', [jwt.agg!, jwt.mandate!, jwt.user!])
    const allowed = await check(aggVp, [
      '--role',
      'aggregator',
      '--action',
      'response.bid',
      '--on-behalf-of',
      d.user!,
      '--capacity-kw',
      '150',
    ])
    expect(allowed.code).toBe(0)
    expect(allowed.stdout).toBe(`allowed: ${d.agg} as aggregator for response.bid on behalf of ${d.user}`)
    const over = await check(aggVp, ['--role', 'aggregator', '--action', 'response.bid', '--on-behalf-of', d.user!, '--capacity-kw', '250'])
    expect(over.code).toBe(1)
    expect(over.stdout).toBe("denied:\n  mandate-capacity: 250 kW exceeds the mandate's 200 kW")
    const base = await check(await vp('base', [jwt.base!]), [
      '--role',
      'production-base',
      '--action',
      'response.bid',
      '--capacity-kw',
      '13000',
    ])
    expect(base.code).toBe(1)
    expect(base.stdout).toMatch(/capacity-exceeded: 13000 kW exceeds the production-base's cap of 12000/)
    const json = JSON.parse(
      (
        await cli([
          '--json',
          'role',
          'check',
          aggVp,
          '--role',
          'aggregator',
          '--action',
          'response.bid',
          '--on-behalf-of',
          d.user!,
          '--audience',
          'dr-contract',
          '--challenge',
          'other',
        ])
      ).stdout,
    )
    expect(json.reasons.map((r: { code: string }) => r.code)).toEqual(['challenge-mismatch'])
    // Bound to the terms it bids: checked with those terms' digest, refused with any others.
    const [mine, other] = ['0x' + 'a1'.repeat(32), '0x' + 'b2'.repeat(32)]
    const boundVp = await ok([
      'vp',
      'create',
      '--holder',
      d.user!,
      '--key',
      f('user.key'),
      '--credential',
      jwt.user!,
      '--audience',
      'dr-contract',
      '--challenge',
      'event-1',
      '--binding',
      mine,
    ])
    const userCheck = ['--role', 'user', '--action', 'response.bid']
    expect((await check(boundVp, [...userCheck, '--binding', mine])).code).toBe(0)
    const mismatch = await check(boundVp, [...userCheck, '--binding', other])
    expect(mismatch.code).toBe(1)
    expect(mismatch.stdout).toBe(
      `denied:\n  binding-mismatch: the presentation is bound to other terms (${mine}) than the check's ${other}`,
    )
    expect((await check(boundVp, userCheck)).stdout).toMatch(/^denied:\n {2}binding-unchecked: /)
    const bad = await check(boundVp, [...userCheck, '--binding', 'abc'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('grid-did: --binding must be 0x and 64 lowercase hex digits (the termsDigest of the terms)')
  })

  it('suspend, reinstate and revoke: each anchored, each visible to the next check', async () => {
    const userVp = await ok([
      'vp',
      'create',
      '--holder',
      d.user!,
      '--key',
      f('user.key'),
      '--credential',
      jwt.user!,
      '--audience',
      'dr-contract',
      '--challenge',
      'event-2',
    ])
    const check = () =>
      cli(['role', 'check', userVp, '--role', 'user', '--action', 'response.bid', '--audience', 'dr-contract', '--challenge', 'event-2'])
    expect((await check()).code).toBe(0)
    expect(await ok(['vc', 'suspend', jwt.user!, '--issuer', d.utility!, '--key', f('utility.key')])).toMatch(/^suspended urn:uuid:/)
    expect((await check()).stdout).toMatch(/status-suspended/)
    expect(await ok(['vc', 'reinstate', jwt.user!, '--issuer', d.utility!, '--key', f('utility.key')])).toMatch(/^reinstated /)
    expect((await check()).code).toBe(0)
    expect(await ok(['vc', 'revoke', jwt.user!, '--issuer', d.utility!, '--key', f('utility.key')])).toMatch(/^revoked /)
    const denied = await check()
    expect(denied.code).toBe(1)
    expect(denied.stdout).toMatch(/status-revoked/)
    // A JWT this home did not issue cannot be used to flip bits in the issuer's lists.
    const foreign = await cli(['vc', 'revoke', jwt.agg!.replace(/\.[^.]+$/, '.AAAA'), '--issuer', d.utility!, '--key', f('utility.key')])
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toBe(`grid-did: not a credential ${d.utility} issued from this home`)
  })

  it('rotate, update, recover, deactivate and history', async () => {
    expect(await ok(['did', 'rotate', d.base!, '--key', f('base.key'), '--new-key', f('utility-2.key')])).toMatch(
      /^rotate: .* is at version 2$/,
    )
    const height = async () => {
      const store = new SqliteLedger(join(home, 'ledger.db'), { readonly: true })
      try {
        return (await store.head()).height
      } finally {
        await store.close()
      }
    }
    // Operations the current state already shows cannot apply are refused before anchoring: the
    // fold's rule and reason, exit 1, and the ledger's head unchanged.
    const refused = async (args: string[], message: RegExp) => {
      const before = await height()
      const run = await cli(args)
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toMatch(message)
      expect(run.stderr).toMatch(/would not apply, so it was not anchored: .* \(ERR_GRID_INVALID_OPERATION\)$/)
      expect(await height()).toBe(before)
    }
    await refused(
      ['did', 'update', d.base!, '--key', f('base.key'), '--add-service', 'x,Y,https://x.example/'],
      /the update of did:grid:\S+ would not apply.*: not signed by the current update key/,
    )
    await refused(
      ['did', 'rotate', d.base!, '--key', f('base.key'), '--new-key', f('agg.key')],
      /the update of .*: not signed by the current update key/,
    )
    await refused(
      ['did', 'update', d.base!, '--key', f('utility-2.key'), '--remove-key', 'no-such-key'],
      /: patches\[0\]: no verification method "no-such-key"/,
    )
    await refused(
      ['did', 'update', d.base!, '--key', f('utility-2.key'), '--add-key', f('agg.key'), '--key-id', 'key-1'],
      /: patches\[0\]: id "key-1" already exists/,
    )
    await refused(
      ['did', 'recover', d.base!, '--recovery-key', f('agg.key'), '--new-key', f('base.key'), '--new-recovery-key', f('new-recovery.key')],
      /the recover of .*: not signed by the current recovery key/,
    )
    await refused(
      ['did', 'deactivate', d.base!, '--recovery-key', f('base.key')],
      /the deactivate of .*: not signed by the current recovery key/,
    )
    expect(
      await ok(['did', 'update', d.base!, '--key', f('utility-2.key'), '--add-key', f('agg.key'), '--purpose', 'authentication']),
    ).toMatch(/version 3$/)
    expect(
      await ok([
        'did',
        'recover',
        d.base!,
        '--recovery-key',
        f('base-recovery.key'),
        '--new-key',
        f('base.key'),
        '--new-recovery-key',
        f('new-recovery.key'),
      ]),
    ).toMatch(/version 4$/)
    // The old recovery key no longer applies after the recovery.
    await refused(['did', 'deactivate', d.base!, '--recovery-key', f('base-recovery.key')], /not signed by the current recovery key/)
    expect(await ok(['did', 'deactivate', d.base!, '--recovery-key', f('new-recovery.key')])).toMatch(/version 5$/)
    const after = await height()
    const dead = await cli(['did', 'update', d.base!, '--key', f('base.key'), '--add-service', 'x,Y,https://x.example/'])
    expect(dead.code).toBe(1)
    expect(dead.stderr).toMatch(/is deactivated.*\(ERR_GRID_DID_DEACTIVATED\)$/)
    expect(await height()).toBe(after)
    const history = (await ok(['did', 'history', d.base!])).split('\n').map((l) => l.split(' ').slice(3).join(' '))
    expect(history).toEqual(['create applied v1', 'update applied v2', 'update applied v3', 'recover applied v4', 'deactivate applied v5'])
    const gone = await cli(['resolve', d.base!])
    expect(gone.code).toBe(0)
    expect(JSON.parse(gone.stdout).didDocumentMetadata.deactivated).toBe(true)
    const toDeactivated = await cli([
      'vc',
      'issue',
      '--issuer',
      d.utility!,
      '--key',
      f('utility.key'),
      '--role',
      'production-base',
      '--subject',
      d.base!,
      '--claims',
      f('base.json'),
    ])
    expect(toDeactivated.code).toBe(1)
    expect(toDeactivated.stderr).toBe(`grid-did: ${d.base} is deactivated (ERR_GRID_DID_DEACTIVATED)`)
  })

  it('serve: the endpoint on the same home; a CLI-issued credential verifies through did-resolver pointed at it', async () => {
    const { spawn } = await import('node:child_process')
    const child = spawn(process.execPath, [bin, '--home', home, 'serve', '--port', '0'], {
      env: { ...process.env, GRID_DID_PASSPHRASE: PASS },
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          const m = /listening on (\S+)/.exec(c.toString())
          if (m) resolve(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const resolver = new Resolver({
        grid: async (did) => (await (await fetch(`${url}/1.0/identifiers/${encodeURIComponent(did)}`)).json()) as DIDResolutionResult,
      })
      const verified = await didJwtVcVerifyCredential(jwt.agg!, resolver, { proofPurpose: 'assertionMethod' })
      expect(verified.verified).toBe(true)
      expect((await fetch(`${url}/1.0/identifiers/${d.base}`)).status).toBe(410)
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
  })

  it('serve survives a chunked POST over the body limit: 413, the connection closed, the next request answered', async () => {
    const { spawn } = await import('node:child_process')
    const { connect } = await import('node:net')
    const child = spawn(process.execPath, [bin, '--home', home, 'serve', '--port', '0'], {
      env: { ...process.env, GRID_DID_PASSPHRASE: PASS },
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          const m = /listening on (\S+)/.exec(c.toString())
          if (m) resolve(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
      })
      const { hostname, port } = new URL(url)
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(`POST /1.0/identifiers/${d.utility} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`)
          for (let i = 0; i < 5; i++) socket.write(`1000\r\n${'a'.repeat(4_096)}\r\n`)
        })
        let text = ''
        socket.on('data', (c: Buffer) => (text += c.toString()))
        socket.on('error', () => undefined)
        socket.on('close', () => resolve(text))
      })
      expect(answer).toMatch(/^HTTP\/1\.1 413 /)
      const res = await fetch(`${url}/1.0/identifiers/${d.utility}`)
      expect(res.status).toBe(200)
      expect(child.exitCode).toBeNull()
      expect(stderr).toMatch(new RegExp(` 127\\.0\\.0\\.1 POST /1\\.0/identifiers/${d.utility} 413 \\d+ \\S+ms\n`))
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
    }
  })

  it('usage errors exit 2 with one line; --help exits 0', async () => {
    const unknown = await cli(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.split('\n')[0]).toBe("grid-did: unknown command 'frobnicate'")
    const missing = await cli(['vc', 'issue', '--issuer', d.utility!])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^grid-did: required option '--key <file>' not specified$/)
    const help = await cli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/Usage: grid-did/)
  })
})
