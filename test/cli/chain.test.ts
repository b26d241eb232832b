/**
 * The CLI story against a chain ledger: `grid-did chain` (the in-process EVM behind JSON-RPC, with
 * the registry deployed) in one process, every other command pointed at it with --ledger /
 * $GRID_DID_LEDGER, and the endpoint following the chain through its local index.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resolver, type DIDResolutionResult } from 'did-resolver'
import { verifyCredential as didJwtVcVerifyCredential } from 'did-jwt-vc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'dist', 'cli', 'bin.js')
const dir = mkdtempSync(join(tmpdir(), 'grid-did-chain-test-'))
const home = join(dir, 'home')
const PASS = 'correct horse battery staple'
const f = (name: string) => join(dir, name)

interface Run {
  code: number
  stdout: string
  stderr: string
}

let env: Record<string, string> = {}

function cli(args: string[], extra: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, '--home', home, ...args],
      { cwd: dir, env: { ...process.env, GRID_DID_PASSPHRASE: PASS, ...env, ...extra } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
    )
  })
}

async function ok(args: string[], extra?: Record<string, string | undefined>): Promise<string> {
  const run = await cli(args, extra)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

/** Starts a long-running command and resolves with its first complete JSON output. */
function start(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; out: Record<string, unknown> }> {
  const child = spawn(process.execPath, [bin, '--home', home, '--json', ...args], {
    cwd: dir,
    env: { ...process.env, GRID_DID_PASSPHRASE: PASS, ...env },
  })
  return new Promise((resolve, reject) => {
    let text = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString()
      try {
        resolve({ child, out: JSON.parse(text) as Record<string, unknown> })
      } catch {
        // not complete yet
      }
    })
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)))
  })
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  child.kill('SIGTERM')
  return exited
}

describe('the CLI on a chain ledger (grid-did chain)', { timeout: 300_000 }, () => {
  let chain: ChildProcessWithoutNullStreams
  let ledger: string
  let rpc: string
  let writer: string
  const d: Record<string, string> = {}
  let credential = ''

  beforeAll(async () => {
    writer = await ok(['key', 'generate', '--type', 'evm', '--out', f('writer.json')])
    await ok(['key', 'generate', '--type', 'evm', '--out', f('admin.json')])
    for (const k of ['utility', 'utility-recovery', 'user', 'user-recovery']) await ok(['key', 'generate', '--out', f(`${k}.key`)])
    const started = await start(['chain', '--port', '0', '--writer', f('writer.json'), '--admin-key', f('admin.json')])
    chain = started.child
    ledger = String(started.out.ledger)
    rpc = String(started.out.rpc)
    env = { GRID_DID_LEDGER: ledger, GRID_DID_WRITER_KEY: f('writer.json') }
  }, 300_000)

  afterAll(async () => {
    if (chain) await stop(chain)
    rmSync(dir, { recursive: true, force: true })
  })

  it('`key generate --type evm` writes an encrypted account keystore and prints only its address', async () => {
    expect(writer).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(rpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(ledger).toMatch(new RegExp(`^evm:${rpc.replace(/[.]/g, '\\.')}#0x[0-9a-fA-F]{40}$`))
    const noWriter = await cli(['chain', '--port', '0'], { GRID_DID_WRITER_KEY: '' })
    expect(noWriter.code).toBe(2)
    expect(noWriter.stderr).toBe(
      'grid-did: no writer: pass --writer ADDRESS|KEYSTORE or --writer-key FILE, or nobody could anchor on this chain',
    )
    // An Ed25519 command refuses an account keystore.
    const wrongKind = await cli(['did', 'create', '--network', 'sgcc', '--key', f('writer.json'), '--recovery-key', f('user-recovery.key')])
    expect(wrongKind.code).toBe(1)
    expect(wrongKind.stderr).toBe(`grid-did: ${f('writer.json')} holds an EVM account, not an Ed25519 key`)
  })

  it('creates, updates and issues on the chain; reads come from the local index', async () => {
    d.utility = await ok(['did', 'create', '--network', 'sgcc', '--key', f('utility.key'), '--recovery-key', f('utility-recovery.key')])
    d.user = await ok(['did', 'create', '--network', 'sgcc', '--key', f('user.key'), '--recovery-key', f('user-recovery.key')])
    expect(d.user).toMatch(/^did:grid:sgcc:[a-z2-7]{51}[aq]$/)
    expect(await ok(['did', 'update', d.user, '--key', f('user.key'), '--add-service', 'meter,MeterData,https://meter.example/u1'])).toBe(
      `update: ${d.user} is at version 2`,
    )
    await ok(['trust', 'init', '--utility', d.utility, '--key', f('utility.key')])
    const claims = f('user.json')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(
      claims,
      JSON.stringify({
        accountNumber: '3301060001',
        meterIds: ['M-1'],
        voltageLevel: '10kV',
        contractedCapacityKva: 800,
        region: '330106',
      }),
    )
    credential = await ok([
      'vc',
      'issue',
      '--issuer',
      d.utility,
      '--key',
      f('utility.key'),
      '--role',
      'user',
      '--subject',
      d.user,
      '--claims',
      claims,
    ])
    expect(await ok(['vc', 'verify', credential])).toMatch(/^verified: user credential urn:uuid:/)
    const resolved = JSON.parse(await ok(['--json', 'resolve', d.user]))
    expect(resolved.didDocumentMetadata.versionId).toBe('2')
    expect(resolved.didDocument.service[0].serviceEndpoint).toBe('https://meter.example/u1')
    const history = await ok(['did', 'history', d.user])
    expect(history.split('\n').map((l) => l.split(' ').slice(-2).join(' '))).toEqual(['applied v1', 'applied v2'])
    // The home holds the chain's index (one file per registry), not an embedded ledger.
    expect(
      readdirSync(home)
        .filter((n) => n.endsWith('.db'))
        .sort(),
    ).toEqual([`chain-${ledger.split('#')[1]!.toLowerCase()}.db`, 'cli.db'])
    const info = JSON.parse(await ok(['--json', 'ledger', 'info']))
    expect(info).toMatchObject({ ledger: 'evm', chainId: 1337, writer: { address: writer, allowed: true } })
    expect(info.indexed.height).toBe(info.head.finalizedHeight)
  })

  it('refuses a writer off the allow-list until the admin adds it; then removes it again', async () => {
    const other = await ok(['key', 'generate', '--type', 'evm', '--out', f('other.json')])
    const create = ['did', 'create', '--network', 'sgcc', '--key', f('user.key'), '--recovery-key', f('utility-recovery.key')]
    const refused = await cli(create, { GRID_DID_WRITER_KEY: f('other.json') })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `grid-did: account ${other} is not an allow-listed writer of registry ${ledger.split('#')[1]} (ERR_GRID_LEDGER_FORBIDDEN)`,
    )
    const notAdmin = await cli(['ledger', 'writer', 'add', other, '--key', f('writer.json')])
    expect(notAdmin.code).toBe(1)
    expect(notAdmin.stderr).toBe(
      `grid-did: account ${writer} is not the admin of registry ${ledger.split('#')[1]} (ERR_GRID_LEDGER_FORBIDDEN)`,
    )
    // A keystore whose readable address was edited never puts that address on the allow-list.
    const edited = JSON.parse(readFileSync(f('other.json'), 'utf8'))
    writeFileSync(f('edited.json'), JSON.stringify({ ...edited, address: '0x000000000000000000000000000000000000dEaD' }))
    const tampered = await cli(['ledger', 'writer', 'add', f('edited.json'), '--key', f('admin.json')])
    expect(tampered.code).toBe(1)
    expect(tampered.stderr).toBe(
      `grid-did: the address written in ${f('edited.json')} is not the one of its secret key: the file was altered; it is not used (ERR_GRID_KEYSTORE_MISMATCH)`,
    )
    expect(await ok(['ledger', 'writer', 'add', f('other.json'), '--key', f('admin.json')])).toBe(
      `${other} may anchor on ${ledger.split('#')[1]}`,
    )
    expect(await ok(create, { GRID_DID_WRITER_KEY: f('other.json') })).toMatch(/^did:grid:sgcc:/)
    // `ledger writer list`: the allow-list from the registry's events, each confirmed on the contract.
    const admin = JSON.parse(readFileSync(f('admin.json'), 'utf8')).address as string
    const listed = JSON.parse(await ok(['--json', 'ledger', 'writer', 'list']))
    expect(listed.registry).toBe(ledger.split('#')[1])
    expect(listed.admin.toLowerCase()).toBe(admin.toLowerCase())
    expect(listed.writers.map((w: { address: string }) => w.address.toLowerCase())).toEqual([writer.toLowerCase(), other.toLowerCase()])
    expect(listed.writers[1].addedBy.toLowerCase()).toBe(admin.toLowerCase())
    expect(listed.writers[1].addedAt).toBeGreaterThan(listed.writers[0].addedAt)
    expect(await ok(['ledger', 'writer', 'remove', other, '--key', f('admin.json')])).toBe(
      `${other} may not anchor on ${ledger.split('#')[1]}`,
    )
    expect(await ok(['ledger', 'writer', 'list'])).toMatch(new RegExp(`^${writer}  added at block \\d+ by 0x[0-9a-fA-F]{40}$`))
    const again = await cli(['did', 'create', '--network', 'sgcc', '--key', f('utility.key'), '--recovery-key', f('user-recovery.key')], {
      GRID_DID_WRITER_KEY: f('other.json'),
    })
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/is not an allow-listed writer .*\(ERR_GRID_LEDGER_FORBIDDEN\)$/)
    const noWriter = await cli(create, { GRID_DID_WRITER_KEY: '' })
    expect(noWriter.code).toBe(1)
    expect(noWriter.stderr).toMatch(
      /^grid-did: no writer account: .*--writer-key FILE or \$GRID_DID_WRITER_KEY.*\(ERR_GRID_LEDGER_FORBIDDEN\)$/,
    )
  })

  it('serve follows the chain: a credential verifies through did-resolver, and a DID created meanwhile appears', async () => {
    const { child, out } = await start(['serve', '--port', '0', '--sync-interval', '50'])
    try {
      const url = String(out.url)
      const resolver = new Resolver({
        grid: async (did) => (await (await fetch(`${url}/1.0/identifiers/${encodeURIComponent(did)}`)).json()) as DIDResolutionResult,
      })
      expect((await didJwtVcVerifyCredential(credential, resolver, { proofPurpose: 'assertionMethod' })).verified).toBe(true)
      const late = await ok(['did', 'create', '--network', 'sgcc', '--key', f('utility.key'), '--recovery-key', f('user-recovery.key')])
      let status = 0
      for (let i = 0; i < 200 && status !== 200; i++) {
        status = (await fetch(`${url}/1.0/identifiers/${late}`)).status
        if (status !== 200) await new Promise((r) => setTimeout(r, 25))
      }
      expect(status).toBe(200)
      // /metrics reports the index of each network served: its height, the chain's, the lag, no sync error.
      const metrics = await (await fetch(`${url}/metrics`)).text()
      const sample = (name: string) => Number(new RegExp(`^${name}\\{network="sgcc"\\} (\\S+)$`, 'm').exec(metrics)?.[1])
      expect(sample('grid_did_index_height')).toBeGreaterThan(0)
      expect(sample('grid_did_chain_finalized_height')).toBeGreaterThanOrEqual(sample('grid_did_index_height'))
      expect(sample('grid_did_index_lag_blocks')).toBe(sample('grid_did_chain_finalized_height') - sample('grid_did_index_height'))
      expect(sample('grid_did_index_sync_errors_total')).toBe(0)
    } finally {
      expect(await stop(child)).toBe(0)
    }
  })

  it('names a ledger in config.json; rejects malformed --ledger values with usage errors', async () => {
    const deployed = JSON.parse(
      await ok(['--json', 'ledger', 'deploy', '--rpc', rpc, '--key', f('admin.json'), '--writer', writer, '--name', 'second']),
    )
    expect(deployed.address).not.toBe(ledger.split('#')[1])
    expect(deployed.ledger).toBe(`evm:${rpc}#${deployed.address}`)
    const info = JSON.parse(await ok(['--json', '--ledger', 'second', 'ledger', 'info']))
    expect(info.registry).toBe(deployed.address)
    expect(info.admin).toBe(JSON.parse(await ok(['--json', 'ledger', 'info'])).admin)
    for (const [value, message] of [
      [
        'nowhere',
        'grid-did: --ledger must be "embedded", evm:<rpc-url>#<registry-address>, or a name in config.json "ledgers"; got "nowhere"',
      ],
      [
        'evm:ftp://x#0x0000000000000000000000000000000000000001',
        'grid-did: a chain ledger is evm:<http(s) rpc-url>#<0x registry address>, got "evm:ftp://x#0x0000000000000000000000000000000000000001"',
      ],
    ]) {
      const run = await cli(['--ledger', value!, 'ledger', 'info'])
      expect(run.code).toBe(2)
      expect(run.stderr).toBe(message)
    }
  })

  it('without the optional EVM engine installed, `chain` says what to install (exit 1)', async () => {
    // The built package in a directory whose node_modules has everything but @nomicfoundation/*.
    const { cpSync, mkdirSync, symlinkSync } = await import('node:fs')
    const pkg = join(dir, 'no-edr')
    mkdirSync(join(pkg, 'node_modules'), { recursive: true })
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true })
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== '@nomicfoundation' && name !== '.bin') symlinkSync(join(root, 'node_modules', name), join(pkg, 'node_modules', name))
    }
    const run = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        [join(pkg, 'dist', 'cli', 'bin.js'), '--home', home, 'chain', '--port', '0', '--writer', writer],
        { env: { ...process.env, GRID_DID_PASSPHRASE: PASS } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
      ),
    )
    // One line: what is missing, who needs it, the command that installs it, the code.
    expect(run.stderr).toMatch(
      /^grid-did: @nomicfoundation\/edr is not installed \([^\n]*optional peer dependency\): npm install @nomicfoundation\/edr@0\.13\.0 \(ERR_GRID_DEPENDENCY_MISSING\)$/,
    )
    expect(run.code).toBe(1)
  })

  it('an unreachable chain is an outage (exit 1, ERR_GRID_LEDGER_UNAVAILABLE), never "not found"', async () => {
    expect(await stop(chain)).toBe(0)
    const run = await cli(['resolve', d.user!])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^grid-did: .*failed: .*\(ERR_GRID_LEDGER_UNAVAILABLE\)$/)
    expect(run.stdout).toBe('')
  })
})
