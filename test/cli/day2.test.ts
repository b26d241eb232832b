/**
 * The operator's day-2 commands, on the built binary and a real SQLite home: passphrase files, key
 * import and list, refusals before anchoring (with the rule, and --force), trust list and remove,
 * vc list with status, errors as JSON, a port in use, and messages that name the flag typed.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js'
import { Ed25519KeyPair } from '../../src/method/keys.js'
import { bin, PASS, type Run } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-day2-'))
const home = join(dir, 'home')
const f = (name: string) => join(dir, name)
const k = (name: string) => join(home, 'keys', `${name}.key`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cli(args: string[], options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, '--home', home, ...args],
      { cwd: dir, env: { ...process.env, GRID_DID_PASSPHRASE: PASS, GRID_DID_PASSPHRASE_FILE: undefined, ...options.env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
    )
    child.stdin!.end(options.input ?? '')
  })
}

async function ok(args: string[], options?: Parameters<typeof cli>[1]): Promise<string> {
  const run = await cli(args, options)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

/** A failure with --json: exit code, nothing on stdout, one JSON error object on stderr; returns it. */
async function fails(args: string[], exit: number, code: string, options?: Parameters<typeof cli>[1]) {
  const run = await cli(['--json', ...args], options)
  expect(run.code, run.stderr).toBe(exit)
  expect(run.stdout).toBe('')
  // The last line: a server may have logged before it failed.
  const { error } = JSON.parse(run.stderr.split('\n').at(-1)!) as { error: { code: string; message: string; reason?: string } }
  expect(error.code, error.message).toBe(code)
  return error
}

async function height(): Promise<number> {
  const store = new SqliteLedger(join(home, 'ledger.db'), { readonly: true })
  try {
    return (await store.head()).height
  } finally {
    await store.close()
  }
}

const SEED = randomBytes(32).toString('hex')
const d: Record<string, string> = {}

describe('day-2 CLI, built, on a SQLite home', { timeout: 300_000 }, () => {
  it('reads the passphrase from --passphrase-file or $GRID_DID_PASSPHRASE_FILE (first line); a missing or empty file is one error', async () => {
    writeFileSync(f('pass.txt'), `${PASS}\r\nignored second line\n`)
    const noEnv = { GRID_DID_PASSPHRASE: undefined }
    await ok(['key', 'generate', '--name', 'utility', '--passphrase-file', f('pass.txt')], { env: noEnv })
    await ok(['key', 'generate', '--name', 'utility-recovery'], { env: { ...noEnv, GRID_DID_PASSPHRASE_FILE: f('pass.txt') } })
    const missing = await fails(['key', 'generate', '--name', 'x', '--passphrase-file', f('nope.txt')], 1, 'ERR_GRID_CLI', { env: noEnv })
    expect(missing.message).toBe(`cannot read the passphrase file ${f('nope.txt')} (--passphrase-file): no such file`)
    writeFileSync(f('empty.txt'), '\n')
    const empty = await fails(['key', 'generate', '--name', 'x'], 1, 'ERR_GRID_CLI', {
      env: { ...noEnv, GRID_DID_PASSPHRASE_FILE: f('empty.txt') },
    })
    expect(empty.message).toBe(
      `the passphrase file ${f('empty.txt')} ($GRID_DID_PASSPHRASE_FILE) is empty: its first line is the passphrase`,
    )
    const none = await fails(['key', 'generate', '--name', 'x'], 1, 'ERR_GRID_CLI', { env: noEnv })
    expect(none.message).toMatch(/^no passphrase: pass --passphrase-file FILE/)
  })

  it('key import: hex, PEM from stdin, an EVM key; an existing name refused without --force; unreadable input never echoed', async () => {
    writeFileSync(f('seed.hex'), `${SEED}\n`)
    const expected = Ed25519KeyPair.fromSecretKey(Buffer.from(SEED, 'hex')).publicKeyMultibase
    expect(await ok(['key', 'import', '--from', f('seed.hex'), '--name', 'user'])).toBe(expected)
    const again = await fails(['key', 'import', '--from', f('seed.hex'), '--name', 'user'], 1, 'ERR_GRID_CLI')
    expect(again.message).toBe(`${k('user')} exists; pass --force to overwrite it`)
    expect(await ok(['key', 'import', '--from', f('seed.hex'), '--name', 'user', '--force'])).toBe(expected)
    expect(await ok(['key', 'import', '--from', f('seed.hex'), '--out', f('twin.key')])).toBe(expected)
    const pem = generateKeyPairSync('ed25519').privateKey
    const fromPem = await ok(['--json', 'key', 'import', '--from', '-', '--name', 'user-recovery'], {
      input: pem.export({ format: 'pem', type: 'pkcs8' }) as string,
    })
    expect(JSON.parse(fromPem)).toEqual({ file: k('user-recovery'), publicKeyMultibase: expect.stringMatching(/^z6Mk/) })
    const evm = randomBytes(32).toString('hex')
    writeFileSync(f('writer.hex'), `0x${evm}`)
    expect(await ok(['key', 'import', '--type', 'evm', '--from', f('writer.hex'), '--name', 'writer'])).toBe(
      privateKeyToAccount(`0x${evm}`).address,
    )
    writeFileSync(f('bad.txt'), SEED.slice(1))
    const bad = await fails(['key', 'import', '--from', f('bad.txt'), '--name', 'bad'], 1, 'ERR_GRID_CLI')
    expect(bad.message).toMatch(/^.*bad\.txt holds no Ed25519 private key this reads/)
    expect(bad.message).not.toContain(SEED.slice(1, 20))
    await fails(['key', 'import', '--from', f('seed.hex'), '--name', '../escape'], 2, 'ERR_GRID_USAGE')
    await fails(['key', 'import', '--from', f('seed.hex')], 2, 'ERR_GRID_USAGE')
    for (const file of ['user', 'writer']) expect(readFileSync(k(file), 'utf8')).not.toContain(file === 'user' ? SEED : evm)
  })

  it('did create refuses the same file, or the same key, as update and recovery key; nothing anchored', async () => {
    const same = await fails(['did', 'create', '--network', 'sgcc', '--key', k('user'), '--recovery-key', k('user')], 2, 'ERR_GRID_USAGE')
    expect(same.message).toMatch(/^--key and --recovery-key are the same file: the recovery key must be a different key/)
    const twin = await fails(
      ['did', 'create', '--network', 'sgcc', '--key', k('user'), '--recovery-key', f('twin.key')],
      2,
      'ERR_GRID_USAGE',
    )
    expect(twin.message).toMatch(/^--key and --recovery-key are files holding the same key \(z6Mk\w+\)/)
    expect(await height()).toBe(0)
    d.utility = await ok(['did', 'create', '--network', 'sgcc', '--key', k('utility'), '--recovery-key', k('utility-recovery')])
    d.user = await ok(['did', 'create', '--network', 'sgcc', '--key', k('user'), '--recovery-key', k('user-recovery')])
    expect(await height()).toBe(2)
  })

  it('key list: names, kinds, public keys or addresses, the DIDs using each; never secret material', async () => {
    mkdirSync(f('more'))
    await ok(['key', 'generate', '--out', join(f('more'), 'extra.key')])
    const listed = JSON.parse(await ok(['--json', 'key', 'list', '--dir', f('more')])) as {
      name: string
      kind: string
      file: string
      address?: string
      publicKeyMultibase?: string
      dids?: { did: string; as: string[] }[]
    }[]
    expect(listed.map((l) => [l.name, l.kind])).toEqual([
      ['user-recovery', 'ed25519'],
      ['user', 'ed25519'],
      ['utility-recovery', 'ed25519'],
      ['utility', 'ed25519'],
      ['writer', 'evm'],
      ['extra', 'ed25519'],
    ])
    const byName = Object.fromEntries(listed.map((l) => [l.name, l]))
    expect(byName.utility!.dids).toEqual([{ did: d.utility, as: ['update', 'key-1'] }])
    expect(byName['utility-recovery']!.dids).toEqual([{ did: d.utility, as: ['recovery'] }])
    expect(byName.user!.publicKeyMultibase).toBe(Ed25519KeyPair.fromSecretKey(Buffer.from(SEED, 'hex')).publicKeyMultibase)
    expect(byName.writer).toMatchObject({ address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/), file: k('writer') })
    expect(byName.extra!.dids).toEqual([])
    const text = await ok(['key', 'list'])
    expect(text.split('\n')[3]).toBe(
      `utility  ed25519  ${byName.utility!.publicKeyMultibase}  ${k('utility')}  ${d.utility} (update, key-1)`,
    )
    expect(`${text}${JSON.stringify(listed)}`).not.toMatch(/ciphertext|"salt"|"tag"/)
    expect(text).not.toContain(SEED)
    expect(JSON.parse(await ok(['--json', 'key', 'list', '--no-dids']))[0]).not.toHaveProperty('dids')
    // A keystore file's label is shown on one line, escaped: it can neither drive the terminal nor forge a line.
    mkdirSync(f('evil'))
    writeFileSync(
      join(f('evil'), 'evil.key'),
      JSON.stringify({
        type: 'grid-did-keystore',
        version: 1,
        publicKeyMultibase: '\u001b[31mEVIL\u001b[0m\nk9  ed25519  z6MkFORGED  k9.key',
      }),
    )
    const evil = await ok(['key', 'list', '--no-dids', '--dir', f('evil')])
    expect(evil).not.toMatch(/\u001b/)
    expect(evil.split('\n').filter((line) => line.includes('FORGED'))).toEqual([
      expect.stringMatching(/^evil {2}.*\\u001b\[31mEVIL.*\\u000ak9 {2}ed25519 {2}z6MkFORGED/),
    ])
    await fails(['--home', f('no-home'), 'key', 'list'], 1, 'ERR_GRID_HOME_NOT_FOUND')
    await fails(['key', 'list', '--dir', f('no-dir')], 1, 'ERR_GRID_CLI')
  })

  it('did update, rotate, recover, deactivate: refused before anchoring with the rule broken; --force anchors anyway', async () => {
    await ok(['key', 'generate', '--name', 'user-2'])
    expect(await ok(['did', 'rotate', d.user!, '--key', k('user'), '--new-key', k('user-2')])).toMatch(/version 2$/)
    const before = await height()
    const stale = await fails(
      ['did', 'update', d.user!, '--key', k('user'), '--add-service', 'x,Y,https://x.example/'],
      1,
      'ERR_GRID_INVALID_OPERATION',
    )
    expect(stale.reason).toBe('unauthorized')
    expect(stale.message).toMatch(
      /^the update of did:grid:\S+ would not apply, so it was not anchored: .*not signed by the current update key.* \(rule: unauthorized\); --force anchors it anyway$/,
    )
    const text = await cli(['did', 'rotate', d.user!, '--key', k('user'), '--new-key', k('utility')])
    expect(text.code).toBe(1)
    expect(text.stderr).toMatch(/\(rule: unauthorized\); --force anchors it anyway \(ERR_GRID_INVALID_OPERATION\)$/)
    expect(await height()).toBe(before)
    const forced = await fails(
      ['did', 'update', d.user!, '--key', k('user'), '--add-service', 'x,Y,https://x.example/', '--force'],
      1,
      'ERR_GRID_CLI',
    )
    expect(forced.message).toBe(`the update was anchored but did not apply (rule: unauthorized); see \`grid-did did history ${d.user}\``)
    expect(await height()).toBe(before + 1)
    expect((await ok(['did', 'history', d.user!])).split('\n').at(-1)).toMatch(/ update skipped /)
    const recover = [
      'did',
      'recover',
      d.user!,
      '--recovery-key',
      k('user-recovery'),
      '--new-key',
      k('user'),
      '--new-recovery-key',
      f('twin.key'),
    ]
    const twin = await fails(recover, 2, 'ERR_GRID_USAGE')
    expect(twin.message).toMatch(/^--new-key and --new-recovery-key are files holding the same key/)
    expect(await ok(['did', 'deactivate', d.user!, '--recovery-key', k('user-recovery')])).toMatch(/version 3$/)
    const after = await height()
    for (const force of [[], ['--force']]) {
      const dead = await fails(
        ['did', 'update', d.user!, '--key', k('user-2'), '--remove-service', 'x', ...force],
        1,
        'ERR_GRID_DID_DEACTIVATED',
      )
      expect(dead.message).toBe(
        `${d.user} is deactivated: a deactivated DID takes no further operation (rule: after-deactivation); nothing was anchored`,
      )
    }
    expect(await height()).toBe(after)
  })

  it('trust list and trust remove; removing an issuer not trusted is refused', async () => {
    await ok(['trust', 'init', '--utility', d.utility!, '--key', k('utility')])
    const other = d.user!
    expect(await ok(['trust', 'add', '--key', k('utility'), '--role', 'aggregator', '--issuer', other])).toBe(
      `aggregator: ${d.utility}, ${other}`,
    )
    const listed = JSON.parse(await ok(['--json', 'trust', 'list']))
    expect(listed.trustRegistry).toBe(`${d.utility}/resources/trust-registry`)
    expect(listed.roles.aggregator.issuers).toEqual([d.utility, other])
    expect(listed.roles.user).toEqual({ issuers: [d.utility], schema: `${d.utility}/resources/schema-user-v2` })
    expect(await ok(['trust', 'remove', '--key', k('utility'), '--role', 'aggregator', '--issuer', other])).toBe(`aggregator: ${d.utility}`)
    expect((await ok(['trust', 'list'])).split('\n')).toContain(`aggregator: ${d.utility}`)
    const before = await height()
    const absent = await fails(['trust', 'remove', '--key', k('utility'), '--role', 'aggregator', '--issuer', other], 1, 'ERR_GRID_CLI')
    expect(absent.message).toBe(`${other} is not trusted for aggregator by ${d.utility}; nothing was anchored`)
    expect(await height()).toBe(before)
    await fails(['trust', 'remove', '--key', k('utility'), '--role', 'operator', '--issuer', other], 2, 'ERR_GRID_USAGE')
  })

  it('vc list shows what this home issued with its status now; flags are named in messages, not API fields', async () => {
    writeFileSync(
      f('claims.json'),
      JSON.stringify({
        accountNumber: '3301060001',
        meterIds: ['M-1'],
        voltageLevel: '10kV',
        contractedCapacityKva: 800,
        region: '330106',
      }),
    )
    const issue = [
      'vc',
      'issue',
      '--issuer',
      d.utility!,
      '--key',
      k('utility'),
      '--role',
      'user',
      '--subject',
      d.utility!,
      '--claims',
      f('claims.json'),
    ]
    const first = await ok(issue)
    const second = await ok([...issue, '--expires', '2099-01-01'])
    const list = async () =>
      JSON.parse(await ok(['--json', 'vc', 'list'])) as { jti: string; status: string; validUntil: string; role: string }[]
    expect((await list()).map((c) => c.status)).toEqual(['active', 'active'])
    expect((await list())[1]!.validUntil).toBe('2099-01-01T00:00:00.000Z')
    await ok(['vc', 'suspend', first, '--issuer', d.utility!, '--key', k('utility')])
    await ok(['vc', 'revoke', second, '--issuer', d.utility!, '--key', k('utility')])
    expect((await list()).map((c) => c.status)).toEqual(['suspended', 'revoked'])
    expect((await ok(['vc', 'list'])).split('\n')[0]).toMatch(/^urn:uuid:\S+ {2}user {2}did:grid:\S+ {2}suspended {2}until \d{4}-/)
    expect(await ok(['vc', 'list', '--role', 'mandate'])).toBe('no credentials issued from this home')
    const past = await fails([...issue, '--expires', '2020-01-01'], 2, 'ERR_GRID_USAGE')
    expect(past.message).toBe('--expires must be in the future, got "2020-01-01"')
    const far = await fails([...issue, '--expires', '10000-01-01'], 2, 'ERR_GRID_USAGE')
    expect(far.message).toMatch(/^--expires must be an ISO 8601 date/)
    const vp = ['vp', 'create', '--holder', d.utility!, '--key', k('utility'), '--audience', 'a', '--challenge', 'c']
    const many = await fails([...vp, ...Array.from({ length: 9 }, () => ['--credential', first]).flat()], 2, 'ERR_GRID_USAGE')
    expect(many.message).toBe('--credential: a presentation carries at most 8 credentials, got 9')
    const empty = await fails(
      ['vp', 'create', '--holder', d.utility!, '--key', k('utility'), '--audience', '', '--challenge', 'c', '--credential', first],
      2,
      'ERR_GRID_USAGE',
    )
    expect(empty.message).toBe('--audience must not be empty')
    const check = ['role', 'check', first, '--role', 'user', '--audience', 'a', '--challenge', 'c']
    expect((await fails([...check, '--action', ''], 2, 'ERR_GRID_USAGE')).message).toBe('--action must not be empty')
    const behalf = await fails([...check, '--action', 'response.bid', '--on-behalf-of', 'alice'], 2, 'ERR_GRID_USAGE')
    expect(behalf.message).toBe('--on-behalf-of must be a DID, got "alice"')
  })

  it('serve on a port in use: ERR_GRID_PORT_IN_USE suggesting --port, exit 1, as text and as JSON', async () => {
    const busy: Server = createServer()
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    )
    try {
      const text = await cli(['serve', '--network', 'sgcc', '--port', String(port)])
      expect(text.code).toBe(1)
      expect(text.stderr.split('\n').at(-1)).toBe(
        `grid-did: 127.0.0.1:${port} is already in use: pass --port N for another port (--port 0: any free port) (ERR_GRID_PORT_IN_USE)`,
      )
      const json = await fails(['serve', '--network', 'sgcc', '--port', String(port)], 1, 'ERR_GRID_PORT_IN_USE')
      expect(json.message).toMatch(/--port N/)
    } finally {
      await new Promise((r) => busy.close(r))
    }
  })

  it('--json errors: parse errors and the embedded ledger’s absent writer list are one JSON object on stderr', async () => {
    const unknown = await cli(['--json', 'frobnicate'])
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr: JSON.stringify({ error: { code: 'ERR_GRID_USAGE', message: "unknown command 'frobnicate'" } }),
    })
    const writers = await fails(['ledger', 'writer', 'list'], 2, 'ERR_GRID_USAGE')
    expect(writers.message).toMatch(/^the embedded ledger has no writer list: whoever can write the home directory anchors on it/)
    const plain = await cli(['ledger', 'writer', 'list'])
    expect(plain.code).toBe(2)
    expect(plain.stderr).toMatch(/^grid-did: the embedded ledger has no writer list/)
  })
})
